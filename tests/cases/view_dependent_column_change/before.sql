CREATE TABLE users (id int, score int, name text);
INSERT INTO users VALUES (1, 10, 'a');
CREATE VIEW scores AS SELECT id, score FROM users;
CREATE VIEW top_scores AS SELECT id FROM scores WHERE score > 5;
CREATE VIEW names AS SELECT name FROM users;
