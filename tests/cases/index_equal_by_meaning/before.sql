CREATE TABLE users (id int, email text, role text, deleted_at timestamptz);
CREATE UNIQUE INDEX users_live_email_idx ON users USING btree (lower(email)) INCLUDE (role) WHERE (deleted_at IS NULL);
CREATE INDEX users_mixed_idx ON users (id, lower(email), role);
