SELECT count(*) = 3 AND max(id) = 3 FROM a
SELECT count(*) = 2 AND max(id) = 2 FROM b
SELECT attidentity = 'a' FROM pg_attribute WHERE attrelid = 'a'::regclass AND attname = 'id'
SELECT attidentity = 'd' FROM pg_attribute WHERE attrelid = 'b'::regclass AND attname = 'id'
SELECT count(*) = 2 FROM pg_class WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace
WITH i AS (INSERT INTO a (v) VALUES ('new') RETURNING id) SELECT id = 4 FROM i
WITH i AS (INSERT INTO b (v) VALUES ('new') RETURNING id) SELECT id = 3 FROM i
