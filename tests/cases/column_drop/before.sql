CREATE TABLE t (id int PRIMARY KEY, legacy text, keep text);
CREATE INDEX t_legacy_idx ON t (legacy);
INSERT INTO t VALUES (1, 'x', 'y');
