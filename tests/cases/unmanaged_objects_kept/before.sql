CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, legacy_flag boolean, updated_at timestamptz);
CREATE TABLE audit_log (id bigserial PRIMARY KEY, user_id bigint, note text);
