CREATE TABLE orders (id bigint PRIMARY KEY, name text NOT NULL, amount integer DEFAULT 0, CONSTRAINT orders_amount_check CHECK (amount >= 0));
CREATE INDEX orders_name_idx ON orders (lower(name)) WHERE amount > 1.5;
CREATE TABLE invoices (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2) DEFAULT 0, CONSTRAINT invoices_amount_check CHECK (amount >= 0));
CREATE INDEX invoices_name_idx ON invoices (lower(name)) WHERE amount > 1.5;
CREATE TABLE refunds (id bigint PRIMARY KEY, name text NOT NULL, note text, amount numeric(12,2) DEFAULT 0, CONSTRAINT refunds_amount_check CHECK (amount >= 0));
CREATE INDEX refunds_name_idx ON refunds (lower(name)) WHERE amount > 1.5;
CREATE TABLE credits (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2) DEFAULT 1, CONSTRAINT credits_amount_check CHECK (amount >= 1));
CREATE INDEX credits_name_idx ON credits (lower(name)) WHERE amount > 2.5;
