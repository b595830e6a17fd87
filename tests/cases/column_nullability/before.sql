CREATE TABLE t (a text NOT NULL, b text);
INSERT INTO t VALUES ('x', 'y');
