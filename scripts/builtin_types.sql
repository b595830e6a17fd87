-- The built-in types reconcile knows without a schema (see gen-builtin-types).
SELECT t.typname::text, pg_catalog.format_type(t.oid, NULL)
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = 'pg_catalog' AND t.typtype IN ('b', 'r', 'm')
  AND t.typrelid = 0 AND t.typcategory <> 'A' AND t.typname NOT LIKE '\_%'
ORDER BY 1
