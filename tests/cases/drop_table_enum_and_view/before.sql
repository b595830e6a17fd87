CREATE TYPE mood AS ENUM ('a', 'b');
CREATE TABLE diary (id int PRIMARY KEY, mood mood);
CREATE VIEW happy_days AS SELECT id FROM diary WHERE mood = 'a';
CREATE TABLE keep (id int);
