CREATE TABLE t (a int, b int, c int);
CREATE INDEX t_a_idx ON t (a);
CREATE INDEX t_gone_idx ON t (c);
CREATE INDEX t_old_name_idx ON t (b, c);
CREATE INDEX t_partial_idx ON t (a) WHERE b > 0;
