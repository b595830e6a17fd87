CREATE TABLE users (id int, score int);
CREATE VIEW report AS SELECT id, score FROM users;
