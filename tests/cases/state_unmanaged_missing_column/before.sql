-- Written by hand, as a team would have before adopting reconcile: other
-- spellings, explicit casts, extra parentheses.
CREATE EXTENSION pgcrypto;
CREATE TYPE user_role AS ENUM ('admin', 'member', 'guest');
CREATE SEQUENCE invoice_no START 1000;
CREATE TABLE teams (
  id int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE users (
  id BIGINT GENERATED ALWAYS AS IDENTITY,
  email text NOT NULL,
  role user_role NOT NULL DEFAULT 'member'::user_role,
  team_id int8 REFERENCES teams (id) ON DELETE CASCADE,
  invited_by bigint,
  email_lower text GENERATED ALWAYS AS (LOWER(email)) STORED,
  created_at timestamp with time zone NOT NULL DEFAULT NOW(),
  deleted_at timestamp with time zone,
  CONSTRAINT users_pkey PRIMARY KEY (id),
  CONSTRAINT users_email_key UNIQUE (email),
  CONSTRAINT users_email_nonempty CHECK ((email <> ''::text))
);
ALTER TABLE users RENAME CONSTRAINT users_team_id_fkey TO users_team_fk;
ALTER TABLE users ADD CONSTRAINT users_invited_by_fkey FOREIGN KEY (invited_by) REFERENCES users (id) ON DELETE SET NULL;
COMMENT ON TABLE users IS 'Application users';
CREATE INDEX users_created_at_idx ON users (created_at);
CREATE UNIQUE INDEX users_live_email_idx ON users USING btree (lower(email)) INCLUDE (role) WHERE (deleted_at IS NULL);
CREATE VIEW active_users AS SELECT users.id, users.email FROM users WHERE (users.deleted_at IS NULL);
CREATE MATERIALIZED VIEW team_sizes AS SELECT team_id, count(*) AS n FROM users GROUP BY team_id;
INSERT INTO teams (name) VALUES ('core');
INSERT INTO users (email, team_id) VALUES ('ada@example.com', 1);
