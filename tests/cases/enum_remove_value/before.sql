CREATE TYPE user_role AS ENUM ('admin', 'member', 'guest');
CREATE TABLE users (id int PRIMARY KEY, role user_role NOT NULL DEFAULT 'member', roles user_role[]);
INSERT INTO users VALUES (1, 'admin', '{admin,member}'), (2, 'member', NULL);
CREATE VIEW admins AS SELECT id FROM users WHERE role = 'admin';
