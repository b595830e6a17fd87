CREATE SEQUENCE old_seq;
CREATE TABLE t (
  n integer DEFAULT 7,
  m bigint DEFAULT nextval('old_seq'),
  qty integer,
  CONSTRAINT t_qty CHECK (qty * 1.5 > 0)
);
