-- Reads: pg_attribute, pg_class, pg_namespace, pg_type.
-- Columns anywhere whose type (or array element type) is an enum of a managed schema.
SELECT n.nspname::text, c.relname::text, a.attname::text, tn.nspname::text, t.typname::text
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p', 'm')
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
JOIN pg_catalog.pg_type t ON t.oid = CASE WHEN at.typelem <> 0 AND at.typlen = -1 THEN at.typelem ELSE at.oid END
JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
WHERE a.attnum > 0 AND NOT a.attisdropped AND t.typtype = 'e' AND tn.nspname = ANY($1)
  AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
ORDER BY 1, 2, 3
