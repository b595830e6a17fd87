CREATE TABLE t (a int DEFAULT 1, b text DEFAULT 'x', c timestamptz, d int DEFAULT 5);
