SELECT (SELECT seqtypid = 'integer'::regtype FROM pg_sequence WHERE seqrelid = 'legacy_id_seq'::regclass)
SELECT nextval('legacy_id_seq') = 3
SELECT (SELECT count(*) = 1 FROM pg_class WHERE relkind = 'S' AND relname LIKE 'legacy%')
SELECT (SELECT seqstart = 1000 AND seqcache = 20 FROM pg_sequence WHERE seqrelid = 'invoices_no_seq'::regclass)
