CREATE TABLE t (a bigint, b text, c numeric(12,2), d text);
INSERT INTO t VALUES (5, 'short', 12.5, '42');
