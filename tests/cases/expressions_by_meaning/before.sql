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
  CONSTRAINT tickets_kind_check CHECK (((kind)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))),
  CONSTRAINT tickets_code_check CHECK (((code)::text ~~ 'T%'::text))
);
CREATE INDEX tickets_lower_code ON tickets (lower((code)::text)) WHERE (status = 'open'::status);
