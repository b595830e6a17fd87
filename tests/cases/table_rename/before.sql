CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE INDEX customers_email_lower_idx ON customers (lower(email));
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));
INSERT INTO customers (email) VALUES ('a@x'), ('b@x');
INSERT INTO orders VALUES (1, 1);
CREATE TEMP TABLE oid_before AS SELECT 'customers'::regclass::oid AS oid;
CREATE TABLE public.oid_before_copy AS SELECT 'customers'::regclass::oid::bigint AS oid;
