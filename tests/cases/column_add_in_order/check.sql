SELECT string_agg(attname, ',' ORDER BY attnum) = 'id,b,a,c' FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0
SELECT count(*) = 2 FROM t WHERE a = 0
