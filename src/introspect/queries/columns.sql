-- Reads: pg_attribute, pg_class, pg_namespace, pg_type, pg_attrdef, pg_collation, pg_depend,
-- pg_sequence (an identity column's sequence options).
-- `is_serial`: the default is nextval() of a sequence this column owns (its
-- options decide whether it is a `serial`, see the loader).
-- The owned sequence (serial: deptype 'a', identity: 'i') is looked up only
-- for columns with a default or an identity; the pg_depend lookup names
-- refclassid so it uses pg_depend_reference_index.
SELECT a.attrelid::bigint AS table_oid, a.attname::text AS name,
       format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null,
       pg_get_expr(d.adbin, d.adrelid) AS default_expr,
       a.attidentity::text AS identity,
       a.attgenerated::text AS generated,
       CASE WHEN a.attcollation <> t.typcollation THEN co.collname::text END AS collation,
       col_description(a.attrelid, a.attnum) AS comment,
       d.adbin IS NOT NULL AND seq.oid IS NOT NULL
           AND pg_get_expr(d.adbin, d.adrelid) = format('nextval(%L::regclass)', seq.oid::regclass::text)
           AS is_serial,
       CASE WHEN seq.relnamespace = c.relnamespace THEN seq.relname::text END AS sequence,
       ps.seqstart AS identity_start, ps.seqincrement AS identity_increment,
       ps.seqmin AS identity_min, ps.seqmax AS identity_max, ps.seqcache AS identity_cache,
       ps.seqcycle AS identity_cycle,
       a.attnum::int AS attnum, d.oid::bigint AS default_oid
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
LEFT JOIN LATERAL (
    SELECT s.oid, s.relname, s.relnamespace
    FROM pg_catalog.pg_depend dep
    JOIN pg_catalog.pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
    WHERE (d.adbin IS NOT NULL OR a.attidentity <> '')
      AND dep.refclassid = 'pg_catalog.pg_class'::regclass
      AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum
      AND dep.classid = 'pg_catalog.pg_class'::regclass AND dep.deptype IN ('a', 'i')
    ORDER BY s.oid
    LIMIT 1
) seq ON true
LEFT JOIN pg_catalog.pg_sequence ps ON ps.seqrelid = seq.oid AND a.attidentity <> ''
WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
