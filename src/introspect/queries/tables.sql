-- Reads: pg_class, pg_namespace, pg_depend (extension members are skipped).
-- Partitions and foreign tables come too: reconcile does not manage them
-- (yet), but lists them and keeps them from being dropped.
SELECT c.oid::bigint AS oid, n.nspname::text AS schema, c.relname::text AS name,
       obj_description(c.oid, 'pg_class') AS comment, c.reltype::bigint AS type_oid,
       c.relkind::text AS relkind, c.relispartition AS is_partition
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'f')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 2, 3
