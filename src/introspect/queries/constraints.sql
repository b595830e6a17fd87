-- Reads: pg_constraint, pg_class, pg_namespace, pg_attribute.
-- Constraints of tables in the managed schemas (exclusion constraints are
-- not managed yet: they are read to be listed and protected).
-- Constraints PostgreSQL derives from a parent one (`conparentid <> 0`: the
-- foreign keys it adds for each partition of a partitioned referenced table,
-- the copies on partitions) are part of that parent, not objects of their own.
SELECT n.nspname::text, c.relname::text, k.conname::text, k.contype::text,
       ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(num, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num
             ORDER BY u.ord),
       rn.nspname::text, r.relname::text,
       ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(num, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num
             ORDER BY u.ord),
       k.confdeltype::text, k.confupdtype::text, k.condeferrable, k.condeferred,
       pg_get_expr(k.conbin, k.conrelid), k.convalidated, k.oid::bigint, k.conindid::bigint
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class r ON r.oid = k.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
WHERE k.contype IN ('p', 'u', 'c', 'f', 'x') AND k.conparentid = 0 AND n.nspname = ANY($1)
ORDER BY 1, 2, 3
