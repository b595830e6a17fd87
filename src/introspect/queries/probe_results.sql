-- Reads: pg_attrdef, pg_attribute, pg_constraint, pg_index, pg_class.
-- What the server made of the probe objects in this session's temporary
-- schema (`introspect::probe`), deparsed exactly as columns.sql,
-- constraints.sql and indexes.sql deparse the live ones.
-- Rows: probe object name, position (0 = the expression, k >= 1 = index key
-- k, -1 = index predicate), text (the column names come from the first branch).
SELECT a.attname::text AS name, 0 AS position, pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS text
FROM pg_catalog.pg_attrdef d
JOIN pg_catalog.pg_class c ON c.oid = d.adrelid
JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
WHERE c.relnamespace = pg_catalog.pg_my_temp_schema()
  AND c.relname LIKE 'reconcile\_probe\_t%' AND a.attname LIKE 'reconcile\_probe\_%'
UNION ALL
SELECT k.conname::text, 0, pg_catalog.pg_get_expr(k.conbin, k.conrelid)
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
WHERE c.relnamespace = pg_catalog.pg_my_temp_schema() AND k.contype = 'c'
  AND c.relname LIKE 'reconcile\_probe\_t%' AND k.conname LIKE 'reconcile\_probe\_%'
UNION ALL
SELECT ic.relname::text, k, pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
CROSS JOIN LATERAL pg_catalog.generate_series(1, i.indnkeyatts::int) k
WHERE ic.relnamespace = pg_catalog.pg_my_temp_schema() AND ic.relname LIKE 'reconcile\_probe\_%'
UNION ALL
SELECT ic.relname::text, -1, pg_catalog.pg_get_expr(i.indpred, i.indrelid, true)
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
WHERE ic.relnamespace = pg_catalog.pg_my_temp_schema() AND ic.relname LIKE 'reconcile\_probe\_%'
  AND i.indpred IS NOT NULL
