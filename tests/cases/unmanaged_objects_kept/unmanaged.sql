CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE TRIGGER users_set_updated_at BEFORE UPDATE OF email ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_own ON users USING (email = current_user);
CREATE RULE audit_log_no_delete AS ON DELETE TO audit_log DO INSTEAD NOTHING;
CREATE STATISTICS users_stats ON id, email FROM users;
CREATE FOREIGN DATA WRAPPER dummy_fdw;
CREATE SERVER dummy_server FOREIGN DATA WRAPPER dummy_fdw;
CREATE FOREIGN TABLE remote_users (id bigint) SERVER dummy_server;
