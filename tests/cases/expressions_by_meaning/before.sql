CREATE TYPE status AS ENUM ('open', 'closed');
CREATE TABLE tickets (
  id integer NOT NULL,
  status status DEFAULT 'open'::status NOT NULL,
  code character varying(10) DEFAULT 'x'::character varying,
  score integer DEFAULT '-1'::integer,
  price numeric(8,2) DEFAULT 0.00,
  tags text[] DEFAULT '{}'::text[],
  opened_at timestamp with time zone DEFAULT now(),
  kind character varying(5),
  CONSTRAINT tickets_price_check CHECK (((price >= (0)::numeric) AND (price <= (1000)::numeric))),
  -- pg_dump's spelling of `kind IN ('a', 'b')` reads back as a different
  -- (equivalent) tree, so it is written as users write it.
  CONSTRAINT tickets_kind_check CHECK (KIND IN ('a','b')),
  CONSTRAINT tickets_code_check CHECK (((code)::text ~~ 'T%'::text))
);
CREATE INDEX tickets_lower_code ON tickets (lower((code)::text)) WHERE (status = 'open'::status);
