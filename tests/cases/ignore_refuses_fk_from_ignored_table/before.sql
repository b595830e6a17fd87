CREATE TABLE users (id int PRIMARY KEY, code int UNIQUE);
CREATE TABLE dgs_lessons (id int, user_code int REFERENCES users (code));
