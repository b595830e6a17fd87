-- Shrunk from the differential test: a generated column and the column it reads both go.
CREATE TABLE t (id int, c0 int, c6 int GENERATED ALWAYS AS (c0 * 2) STORED);
INSERT INTO t (id, c0) VALUES (1, 1);
