CREATE TABLE orders (no integer NOT NULL, item text);
CREATE SEQUENCE order_no AS integer;
CREATE TABLE legacy (id integer);
CREATE SEQUENCE legacy_seq OWNED BY legacy.id;
SELECT setval('legacy_seq', 41);
CREATE TABLE gone (id integer);
CREATE SEQUENCE gone_seq OWNED BY gone.id;
CREATE TABLE moved (a integer, b integer);
CREATE SEQUENCE moved_seq OWNED BY moved.a;
