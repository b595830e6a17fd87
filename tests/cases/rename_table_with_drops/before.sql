CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    legacy_code text,
    nickname text,
    created_at timestamptz NOT NULL DEFAULT now(),
    ticket_no serial
);
CREATE INDEX accounts_legacy_code_idx ON accounts (legacy_code);
CREATE INDEX accounts_created_at_idx ON accounts (created_at);
ALTER TABLE accounts ADD CONSTRAINT accounts_nickname_check CHECK (nickname <> '');
INSERT INTO accounts (email, legacy_code, nickname) VALUES ('a@x', 'L1', 'ann'), ('b@x', NULL, 'bob');
CREATE TABLE public.oid_before_copy AS SELECT 'accounts'::regclass::oid::bigint AS oid;
