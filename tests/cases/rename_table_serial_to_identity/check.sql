SELECT count(*) = 3 FROM issues
SELECT NOT EXISTS (SELECT 1 FROM pg_class WHERE relname IN ('tickets_id_seq'))
SELECT (SELECT max(id) FROM issues) = 3
