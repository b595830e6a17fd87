CREATE TABLE t (
  a integer, b character varying(20), c timestamp with time zone, d numeric(10,2),
  e int8, f double precision, g boolean, h character(3), i timestamp without time zone,
  j integer[], k real
);
