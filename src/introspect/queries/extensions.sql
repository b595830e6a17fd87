-- Reads: pg_extension, pg_namespace.
SELECT e.extname::text AS name, n.nspname::text AS schema, e.extversion AS version,
       e.oid::bigint AS oid
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
ORDER BY 1
