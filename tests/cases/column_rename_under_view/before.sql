CREATE TABLE users (id int, mail text);
INSERT INTO users VALUES (1, 'a@x');
CREATE VIEW mails AS SELECT mail FROM users;
