CREATE TABLE t (id int PRIMARY KEY, fullname text, CONSTRAINT t_fullname_key UNIQUE (fullname));
INSERT INTO t VALUES (1, 'Ada');
