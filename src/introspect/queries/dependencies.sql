-- Reads: pg_depend, pg_namespace, pg_class, pg_type, pg_proc, pg_constraint,
-- pg_collation.
-- What depends on the objects of the managed schemas ($1): every dependency
-- PostgreSQL records (deptype 'n' or 'a') whose referenced object is in a
-- managed schema, or is the schema itself, as catalog addresses (class oid,
-- object oid, sub-id). The ends are named from the other queries' oids;
-- what they did not read is named by `identify.sql`. Left out, as parts of
-- what depends: internal dependencies
-- (row types, TOAST tables, a constraint's index), extension members,
-- constraints derived for partitions, a
-- default or a constraint on its own table, a sequence owned by a column
-- and an index on its table's columns (read by their own queries), and the
-- schema membership of relations (the table, view and sequence queries read
-- those).
WITH managed AS (
  SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ANY($1)
), targets (classid, objid) AS (
  SELECT 'pg_catalog.pg_class'::regclass::oid, c.oid FROM pg_catalog.pg_class c JOIN managed m ON m.oid = c.relnamespace
  UNION ALL SELECT 'pg_catalog.pg_type'::regclass::oid, t.oid FROM pg_catalog.pg_type t JOIN managed m ON m.oid = t.typnamespace
  UNION ALL SELECT 'pg_catalog.pg_proc'::regclass::oid, p.oid FROM pg_catalog.pg_proc p JOIN managed m ON m.oid = p.pronamespace
  UNION ALL SELECT 'pg_catalog.pg_constraint'::regclass::oid, k.oid FROM pg_catalog.pg_constraint k JOIN managed m ON m.oid = k.connamespace
  UNION ALL SELECT 'pg_catalog.pg_collation'::regclass::oid, o.oid FROM pg_catalog.pg_collation o JOIN managed m ON m.oid = o.collnamespace
  UNION ALL SELECT 'pg_catalog.pg_namespace'::regclass::oid, m.oid FROM managed m
), owned AS MATERIALIZED (
  -- extension members (deptype 'e'), and routines and types PostgreSQL made
  -- as parts of another object ('i': a range type's constructors and
  -- multirange type, array types), which are that object; one scan
  SELECT objid, deptype FROM pg_catalog.pg_depend
  WHERE deptype = 'e'
     OR (deptype = 'i' AND classid IN ('pg_catalog.pg_proc'::regclass, 'pg_catalog.pg_type'::regclass))
), members AS MATERIALIZED (
  SELECT objid FROM owned WHERE deptype = 'e'
), parts AS MATERIALIZED (
  SELECT objid FROM owned WHERE deptype = 'i'
), derived AS MATERIALIZED (
  -- constraints PostgreSQL derives from a parent one (per partition): part
  -- of that parent
  SELECT oid FROM pg_catalog.pg_constraint WHERE conparentid <> 0
),
-- the support functions and operators of an operator family are named as
-- that family, and the constraints of a domain belong to the domain: both
-- are left out with the family or domain when an extension owns it
mapped AS (
  SELECT d.deptype,
         CASE WHEN ap.oid IS NOT NULL OR ao.oid IS NOT NULL
              THEN 'pg_catalog.pg_opfamily'::regclass::oid ELSE d.classid END AS classid,
         COALESCE(ap.amprocfamily, ao.amopfamily, d.objid) AS objid,
         CASE WHEN ap.oid IS NOT NULL OR ao.oid IS NOT NULL THEN 0 ELSE d.objsubid END AS objsubid,
         d.refclassid, d.refobjid, d.refobjsubid, k.contypid
  FROM pg_catalog.pg_depend d
  JOIN targets r ON r.classid = d.refclassid AND r.objid = d.refobjid
  LEFT JOIN pg_catalog.pg_amproc ap
         ON d.classid = 'pg_catalog.pg_amproc'::regclass AND ap.oid = d.objid
  LEFT JOIN pg_catalog.pg_amop ao
         ON d.classid = 'pg_catalog.pg_amop'::regclass AND ao.oid = d.objid
  LEFT JOIN pg_catalog.pg_constraint k
         ON d.classid = 'pg_catalog.pg_constraint'::regclass AND k.oid = d.objid AND k.contypid <> 0
  WHERE d.deptype IN ('n', 'a')
    AND NOT (d.deptype = 'a' AND d.classid IN ('pg_catalog.pg_attrdef'::regclass, 'pg_catalog.pg_constraint'::regclass))
    AND NOT (d.deptype = 'a' AND d.classid = 'pg_catalog.pg_class'::regclass
             AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjsubid > 0)
    AND NOT (d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_namespace'::regclass)
    AND NOT (d.classid = 'pg_catalog.pg_constraint'::regclass AND d.objid IN (SELECT oid FROM derived))
)
SELECT DISTINCT m.deptype::text AS deptype, m.classid::bigint AS classid, m.objid::bigint AS objid,
       m.objsubid AS objsubid, m.refclassid::bigint AS refclassid, m.refobjid::bigint AS refobjid,
       m.refobjsubid AS refobjsubid
FROM mapped m
WHERE m.objid NOT IN (SELECT objid FROM members)
  AND NOT (m.classid IN ('pg_catalog.pg_proc'::regclass, 'pg_catalog.pg_type'::regclass)
           AND m.objid IN (SELECT objid FROM parts))
  AND (m.contypid IS NULL OR m.contypid NOT IN (SELECT objid FROM members))
