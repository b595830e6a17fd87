CREATE TABLE public.items (
    id integer,
    a integer,
    b integer,
    qty integer,
    price numeric,
    cap numeric DEFAULT '1000000'::numeric,
    seven integer DEFAULT 7,
    big bigint DEFAULT 7,
    tags text[] DEFAULT '{}'::text[],
    code character varying(10),
    gross numeric GENERATED ALWAYS AS (((qty)::numeric * 1.19)) STORED,
    starts date DEFAULT '2020-01-01'::date,
    CONSTRAINT items_same CHECK ((NOT (a IS DISTINCT FROM b))),
    -- pg_dump prints `code IN ('x', 'y')` on a varchar as
    -- ((code)::text = ANY ((ARRAY['x'::character varying, ...])::text[])),
    -- which reads back as a different (equivalent) tree: a restored dump
    -- would differ from the original by pg_dump itself. Written as users do.
    CONSTRAINT items_code CHECK (code IN ('x', 'y')),
    CONSTRAINT items_lower CHECK ((lower((code)::text) <> ''::text))
);
CREATE INDEX items_scaled_idx ON public.items USING btree ((((qty)::numeric * 1.5)), lower((code)::text)) WHERE (price > '1000'::numeric);
