-- Shrunk from the differential test: an enum is reordered while a column moves off it to text.
CREATE TYPE e0 AS ENUM ('v0', 'v1', 'v2');
CREATE TABLE t (c4 e0, c5 e0);
INSERT INTO t VALUES ('v0', 'v1');
