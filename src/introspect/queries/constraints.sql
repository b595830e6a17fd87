-- Reads: pg_constraint, pg_class, pg_namespace, pg_attribute.
-- Constraints of tables in the managed schemas (exclusion constraints are
-- not managed yet: they are read to be listed and protected).
-- Constraints PostgreSQL derives from a parent one (`conparentid <> 0`: the
-- foreign keys it adds for each partition of a partitioned referenced table,
-- the copies on partitions) are part of that parent, not objects of their own.
SELECT n.nspname::text AS schema, c.relname::text AS table_name, k.conname::text AS name,
       k.contype::text AS contype,
       ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(num, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num
             ORDER BY u.ord) AS columns,
       rn.nspname::text AS ref_schema, r.relname::text AS ref_table,
       ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(num, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num
             ORDER BY u.ord) AS ref_columns,
       k.confdeltype::text AS on_delete, k.confupdtype::text AS on_update,
       k.condeferrable AS deferrable, k.condeferred AS deferred,
       pg_get_expr(k.conbin, k.conrelid) AS check_expr, k.convalidated AS validated,
       k.oid::bigint AS oid, k.conindid::bigint AS index_oid
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class r ON r.oid = k.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
WHERE k.contype IN ('p', 'u', 'c', 'f', 'x') AND k.conparentid = 0 AND n.nspname = ANY($1)
ORDER BY 1, 2, 3
