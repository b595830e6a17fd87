-- Reads: pg_extension, pg_namespace, pg_depend.
-- Every extension, with the extensions it requires.
SELECT e.extname::text AS name, n.nspname::text AS schema, e.extversion AS version,
       e.oid::bigint AS oid,
       ARRAY(SELECT r.extname::text FROM pg_catalog.pg_depend d
             JOIN pg_catalog.pg_extension r ON r.oid = d.refobjid
             WHERE d.classid = 'pg_catalog.pg_extension'::regclass AND d.objid = e.oid
               AND d.refclassid = 'pg_catalog.pg_extension'::regclass
             ORDER BY 1) AS requires
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
ORDER BY 1
