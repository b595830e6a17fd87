CREATE TABLE accounts (id bigint PRIMARY KEY);
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, updated_at timestamptz);
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE RULE users_no_delete AS ON DELETE TO users DO INSTEAD NOTHING;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_own ON users USING (email = current_user);
SET client_min_messages = error;
CREATE PUBLICATION users_pub FOR TABLE users;
RESET client_min_messages;
CREATE STATISTICS users_stats ON id, email FROM users;
CREATE TABLE events (id bigint, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
