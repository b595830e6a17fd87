CREATE DOMAIN year AS integer CONSTRAINT year_check CHECK (VALUE >= 1901 AND VALUE <= 2155);
CREATE TYPE money_amount AS (currency char(3), cents bigint);
CREATE TYPE float_range AS RANGE (subtype = float8);
