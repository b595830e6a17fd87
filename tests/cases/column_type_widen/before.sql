CREATE TABLE t (a int, b varchar(10), c numeric(8,2), d smallint, e varchar(5));
INSERT INTO t VALUES (2147483647, 'abcdefghij', 123456.78, 7, 'abc');
