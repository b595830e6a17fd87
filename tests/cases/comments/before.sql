CREATE TABLE t (a int, b int);
COMMENT ON TABLE t IS 'old';
COMMENT ON COLUMN t.b IS 'remove me';
CREATE VIEW v AS SELECT a FROM t;
