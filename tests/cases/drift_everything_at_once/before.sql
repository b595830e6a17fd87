CREATE TYPE color AS ENUM ('red', 'green');
CREATE TABLE a (id int PRIMARY KEY, name varchar(10), gone int);
CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a (id));
CREATE VIEW av AS SELECT id, name FROM a;
INSERT INTO a VALUES (1, 'x', 0);
INSERT INTO b VALUES (1, 1);
