-- Reads: pg_namespace. Every non-system schema that exists.
SELECT n.nspname::text AS name, n.oid::bigint AS oid
FROM pg_catalog.pg_namespace n
WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
ORDER BY 1
