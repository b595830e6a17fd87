CREATE TABLE t (a int);
CREATE INDEX t_a_idx ON t (a);
UPDATE pg_index SET indisvalid = false WHERE indexrelid = 't_a_idx'::regclass;
