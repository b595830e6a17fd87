-- Reads: pg_sequence, pg_class, pg_namespace, pg_depend, pg_attribute.
-- Identity sequences belong to their column and extension members to their
-- extension: both are skipped. A sequence OWNED BY a column (serial) comes
-- with its owner; the loader folds it into a `serial` column when its
-- options are those `serial` gives.
SELECT n.nspname::text AS schema, c.relname::text AS name,
       format_type(s.seqtypid, NULL) AS data_type,
       s.seqstart AS start, s.seqincrement AS increment, s.seqmin AS min_value,
       s.seqmax AS max_value, s.seqcache AS cache, s.seqcycle AS cycle,
       obj_description(c.oid, 'pg_class') AS comment,
       own_n.nspname::text AS owner_schema, own_c.relname::text AS owner_table,
       own_a.attname::text AS owner_column, c.oid::bigint AS oid
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_depend own ON own.classid = 'pg_catalog.pg_class'::regclass
     AND own.objid = c.oid AND own.deptype = 'a'
     AND own.refclassid = 'pg_catalog.pg_class'::regclass AND own.refobjsubid > 0
LEFT JOIN pg_catalog.pg_class own_c ON own_c.oid = own.refobjid
LEFT JOIN pg_catalog.pg_namespace own_n ON own_n.oid = own_c.relnamespace
LEFT JOIN pg_catalog.pg_attribute own_a ON own_a.attrelid = own.refobjid
     AND own_a.attnum = own.refobjsubid
WHERE n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                    AND d.deptype IN ('i', 'e'))
ORDER BY 1, 2
