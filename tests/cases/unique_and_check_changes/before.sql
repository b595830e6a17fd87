CREATE TABLE t (a int, b int, c int, CONSTRAINT t_a_key UNIQUE (a), CONSTRAINT t_b_positive CHECK (b > 0), CONSTRAINT t_gone CHECK (c > 0));
INSERT INTO t VALUES (1, 2, 3);
