-- Shrunk from the differential test: columns added with a generated one listed first.
CREATE TABLE t (id int);
INSERT INTO t VALUES (1);
