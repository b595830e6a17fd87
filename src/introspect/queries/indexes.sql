-- Reads: pg_index, pg_class, pg_namespace, pg_am, pg_attribute, pg_constraint.
-- Indexes that back a primary key, unique or exclusion constraint belong to it and are skipped.
SELECT i.indrelid::bigint AS table_oid, ic.relname::text AS name, am.amname::text AS method,
       i.indisunique AS is_unique, i.indnkeyatts::int AS key_count, i.indkey::int2[] AS attnums,
       -- Deparsing is costly: only expression keys need it.
       ARRAY(SELECT CASE WHEN (i.indkey::int2[])[k - 1] = 0 THEN pg_get_indexdef(i.indexrelid, k, true) END
             FROM generate_series(1, i.indnatts) k ORDER BY k) AS key_exprs,
       ARRAY(SELECT a.attname::text FROM generate_series(1, i.indnatts) k
             LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = (i.indkey::int2[])[k - 1]
             ORDER BY k) AS attnames,
       pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       i.indisvalid AS valid, i.indexrelid::bigint AS oid,
       -- Keys with a sort order, NULLS placement, operator class or
       -- collation of their own are not in the model yet: such an index is
       -- read as an object reconcile does not manage.
       NOT EXISTS (
         SELECT 1 FROM generate_series(0, i.indnkeyatts - 1) k
         JOIN pg_catalog.pg_opclass oc ON oc.oid = i.indclass[k]
         LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k]
         WHERE i.indoption[k] <> 0 OR NOT oc.opcdefault
            OR (i.indcollation[k] NOT IN (0, 100) AND i.indcollation[k] <> COALESCE(a.attcollation, 0))
       ) AS plain_keys
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
                  WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
ORDER BY 1, 2
