-- Reads: pg_rewrite, pg_depend, pg_class, pg_namespace, pg_attribute.
-- What every view (in any schema) reads from relations of the managed schemas,
-- down to the column where the dependency names one.
SELECT DISTINCT vn.nspname::text, v.relname::text, rn.nspname::text, r.relname::text, a.attname::text
FROM pg_catalog.pg_rewrite w
JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = w.oid
JOIN pg_catalog.pg_class v ON v.oid = w.ev_class
JOIN pg_catalog.pg_namespace vn ON vn.oid = v.relnamespace
JOIN pg_catalog.pg_class r ON r.oid = d.refobjid AND d.refclassid = 'pg_catalog.pg_class'::regclass
JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum = d.refobjsubid AND d.refobjsubid > 0
WHERE d.refobjid <> w.ev_class AND rn.nspname = ANY($1)
ORDER BY 1, 2, 3, 4, 5
