-- Reads: pg_extension, pg_namespace.
SELECT e.extname::text, n.nspname::text, e.extversion, e.oid::bigint
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
ORDER BY 1
