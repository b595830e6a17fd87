CREATE TABLE legacy (id serial PRIMARY KEY, name text);
ALTER SEQUENCE legacy_id_seq AS bigint;
INSERT INTO legacy (name) VALUES ('a'), ('b');
CREATE TABLE invoices (no serial, total numeric);
ALTER SEQUENCE invoices_no_seq START 1000 RESTART 1000 CACHE 20;
CREATE TABLE plain (id serial);
