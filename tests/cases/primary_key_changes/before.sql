CREATE TABLE a (id int, code text);
CREATE TABLE b (id int PRIMARY KEY, code text NOT NULL);
INSERT INTO b VALUES (1, 'x');
