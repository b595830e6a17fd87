CREATE TABLE users (id int, email text, team_id int, deleted_at timestamptz);
CREATE TABLE teams (id int, name text);
CREATE VIEW active_users AS SELECT users.id, users.email FROM public.users WHERE (users.deleted_at IS NULL);
CREATE VIEW team_names AS SELECT u.id, t.name FROM users u JOIN teams t ON t.id = u.team_id;
CREATE VIEW everything AS SELECT * FROM teams;
