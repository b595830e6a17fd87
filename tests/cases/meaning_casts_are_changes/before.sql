CREATE TABLE t (
  x integer,
  c integer,
  code varchar(5) DEFAULT 'abc',
  CONSTRAINT t_x_check CHECK (x > 1.5),
  CONSTRAINT t_c_check CHECK (c = '1')
);
