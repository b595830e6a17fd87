SELECT count(*) = 3 AND max(id) = 3 FROM a
SELECT count(*) = 2 AND max(id) = 2 FROM b
SELECT attidentity = '' FROM pg_attribute WHERE attrelid = 'a'::regclass AND attname = 'id'
SELECT pg_get_serial_sequence('a', 'id') IS NOT NULL
SELECT count(*) = 2 FROM pg_class WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace
WITH i AS (INSERT INTO a (v) VALUES ('new') RETURNING id) SELECT id = 4 FROM i
WITH i AS (INSERT INTO b (v) VALUES ('new') RETURNING id) SELECT id = 3 FROM i
