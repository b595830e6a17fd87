SELECT (SELECT seqstart = 1000 AND seqincrement = 10 FROM pg_sequence WHERE seqrelid = pg_get_serial_sequence('a', 'id')::regclass)
SELECT (SELECT seqtypid = 'bigint'::regtype AND seqstart = 1 AND seqcache = 1 AND seqmax = 9223372036854775807 FROM pg_sequence WHERE seqrelid = pg_get_serial_sequence('b', 'id')::regclass)
SELECT (SELECT seqstart = 100 AND seqmax = 1000 AND seqcycle FROM pg_sequence WHERE seqrelid = pg_get_serial_sequence('c', 'id')::regclass)
SELECT nextval(pg_get_serial_sequence('d', 'id')) = 4
SELECT (SELECT seqmax = 900 FROM pg_sequence WHERE seqrelid = pg_get_serial_sequence('e', 'id')::regclass)
SELECT (SELECT attidentity = 'd' FROM pg_attribute WHERE attrelid = 'e'::regclass AND attname = 'id')
