-- Shrunk from the differential test: the type of a column a generated column reads changes.
CREATE TABLE t (c0 int, c6 int GENERATED ALWAYS AS (c0 * 2) STORED, c7 int GENERATED ALWAYS AS (c0 + 1) STORED);
INSERT INTO t (c0) VALUES (3);
