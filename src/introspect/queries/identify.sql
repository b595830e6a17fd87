-- Reads: pg_class, pg_namespace, pg_attribute, pg_attrdef, pg_constraint,
-- pg_rewrite, pg_type, pg_proc and pg_identify_object_as_address.
-- Names the objects at the catalog addresses ($1 class oids, $2 object oids,
-- $3 sub-ids) that `dependencies.sql` found and the other queries did not
-- read (objects in undeclared schemas, ignored objects, partitions, other
-- kinds). Each as: kind, schema, parent, the parent's kind (a relkind, or
-- 'domain'), name, identity arguments; a column default is named as its
-- column, a view's `_RETURN` rule as its view, an array type as its element
-- type and a row type as its relation.
WITH x (classid, objid, objsubid) AS (
  SELECT u.classid::oid, u.objid::oid, u.objsubid
  FROM unnest($1::bigint[], $2::bigint[], $3::int[]) AS u(classid, objid, objsubid)
)
-- relations and their columns (the column names of every branch come from
-- this first one)
SELECT x.classid::bigint AS classid, x.objid::bigint AS objid, x.objsubid AS objsubid,
       CASE WHEN x.objsubid <> 0 THEN 'column'
            WHEN c.relispartition THEN 'partition'
            ELSE CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                   WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' WHEN 'i' THEN 'index'
                   WHEN 'I' THEN 'index' WHEN 'f' THEN 'foreign table' WHEN 'c' THEN 'composite type'
                   ELSE 'relation' END END AS kind,
       n.nspname::text AS schema,
       CASE WHEN x.objsubid <> 0 THEN c.relname::text END AS parent,
       CASE WHEN x.objsubid <> 0 THEN c.relkind::text END AS parent_kind,
       CASE WHEN x.objsubid <> 0 THEN COALESCE(a.attname::text, x.objsubid::text) ELSE c.relname::text END
           AS name,
       NULL::text AS args,
       c.relispartition AS is_partition
FROM x
JOIN pg_catalog.pg_class c ON c.oid = x.objid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attribute a ON x.objsubid > 0 AND a.attrelid = c.oid AND a.attnum = x.objsubid
WHERE x.classid = 'pg_catalog.pg_class'::regclass
UNION ALL
SELECT x.classid::bigint, x.objid::bigint, x.objsubid, 'column', n.nspname::text, c.relname::text,
       c.relkind::text, a.attname::text, NULL, c.relispartition
FROM x
JOIN pg_catalog.pg_attrdef ad ON ad.oid = x.objid
JOIN pg_catalog.pg_class c ON c.oid = ad.adrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
WHERE x.classid = 'pg_catalog.pg_attrdef'::regclass
UNION ALL
SELECT x.classid::bigint, x.objid::bigint, x.objsubid, 'constraint', n.nspname::text,
       COALESCE(c.relname::text, t.typname::text),
       CASE WHEN c.oid IS NOT NULL THEN c.relkind::text ELSE 'domain' END,
       k.conname::text, NULL, c.relispartition
FROM x
JOIN pg_catalog.pg_constraint k ON k.oid = x.objid
JOIN pg_catalog.pg_namespace n ON n.oid = k.connamespace
LEFT JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
LEFT JOIN pg_catalog.pg_type t ON t.oid = k.contypid
WHERE x.classid = 'pg_catalog.pg_constraint'::regclass
UNION ALL
SELECT x.classid::bigint, x.objid::bigint, x.objsubid,
       CASE WHEN w.rulename = '_RETURN' THEN CASE c.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END
            ELSE 'rule' END,
       n.nspname::text,
       CASE WHEN w.rulename <> '_RETURN' THEN c.relname::text END,
       CASE WHEN w.rulename <> '_RETURN' THEN c.relkind::text END,
       CASE WHEN w.rulename = '_RETURN' THEN c.relname::text ELSE w.rulename::text END,
       NULL, c.relispartition
FROM x
JOIN pg_catalog.pg_rewrite w ON w.oid = x.objid
JOIN pg_catalog.pg_class c ON c.oid = w.ev_class
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE x.classid = 'pg_catalog.pg_rewrite'::regclass
UNION ALL
SELECT x.classid::bigint, x.objid::bigint, x.objsubid,
       CASE WHEN e.typrelid <> 0 THEN
              CASE WHEN r.relispartition THEN 'partition'
                   ELSE CASE r.relkind WHEN 'c' THEN 'composite type' WHEN 'v' THEN 'view'
                          WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' ELSE 'table' END END
            ELSE CASE e.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain' WHEN 'r' THEN 'range'
                   WHEN 'm' THEN 'multirange' WHEN 'c' THEN 'composite type' ELSE 'type' END END,
       n.nspname::text, NULL, NULL, COALESCE(r.relname::text, e.typname::text), NULL, r.relispartition
FROM x
JOIN pg_catalog.pg_type t ON t.oid = x.objid
JOIN pg_catalog.pg_type e ON e.oid = CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN t.typelem ELSE t.oid END
JOIN pg_catalog.pg_namespace n ON n.oid = e.typnamespace
LEFT JOIN pg_catalog.pg_class r ON r.oid = e.typrelid
WHERE x.classid = 'pg_catalog.pg_type'::regclass
UNION ALL
SELECT x.classid::bigint, x.objid::bigint, x.objsubid,
       CASE p.prokind WHEN 'a' THEN 'aggregate' WHEN 'p' THEN 'procedure' ELSE 'function' END,
       n.nspname::text, NULL, NULL, p.proname::text,
       array_to_string(ARRAY(SELECT pg_catalog.format_type(a.t, NULL)
                             FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY a(t, n) ORDER BY a.n), ', '),
       NULL
FROM x
JOIN pg_catalog.pg_proc p ON p.oid = x.objid
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE x.classid = 'pg_catalog.pg_proc'::regclass
UNION ALL
SELECT x.classid::bigint, x.objid::bigint, x.objsubid, 'schema', NULL, NULL, NULL, n.nspname::text, NULL, NULL
FROM x
JOIN pg_catalog.pg_namespace n ON n.oid = x.objid
WHERE x.classid = 'pg_catalog.pg_namespace'::regclass
UNION ALL
SELECT x.classid::bigint, x.objid::bigint, x.objsubid, 'operator family', n.nspname::text, NULL, NULL,
       f.opfname::text, NULL, NULL
FROM x
JOIN pg_catalog.pg_opfamily f ON f.oid = x.objid
JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace
WHERE x.classid = 'pg_catalog.pg_opfamily'::regclass
UNION ALL
-- everything else: PostgreSQL's own address ({schema, relation, name} for
-- the parts of a relation; a publication membership is {schema, table}
-- with the publication as its argument)
SELECT x.classid::bigint, x.objid::bigint, x.objsubid, a.type,
       CASE WHEN cardinality(a.object_names) > 1 THEN a.object_names[1] END,
       CASE WHEN a.type = 'publication relation' THEN a.object_names[2]
            WHEN cardinality(a.object_names) > 2 THEN a.object_names[2] END,
       CASE WHEN a.type = 'publication relation' OR cardinality(a.object_names) > 2 THEN
         (SELECT c.relkind::text FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = a.object_names[1] AND c.relname = a.object_names[2]) END,
       CASE WHEN a.type = 'publication relation' THEN a.object_args[1]
            ELSE a.object_names[cardinality(a.object_names)] END,
       CASE WHEN a.type = 'publication relation' THEN NULL
            ELSE NULLIF(array_to_string(a.object_args, ', '), '') END,
       NULL
FROM x
CROSS JOIN LATERAL pg_catalog.pg_identify_object_as_address(x.classid, x.objid, x.objsubid) a
WHERE x.classid NOT IN ('pg_catalog.pg_class'::regclass, 'pg_catalog.pg_attrdef'::regclass,
                        'pg_catalog.pg_constraint'::regclass, 'pg_catalog.pg_rewrite'::regclass,
                        'pg_catalog.pg_type'::regclass, 'pg_catalog.pg_proc'::regclass,
                        'pg_catalog.pg_namespace'::regclass, 'pg_catalog.pg_opfamily'::regclass)
