CREATE TABLE a (id serial PRIMARY KEY, v text);
CREATE TABLE b (id bigserial PRIMARY KEY, v text);
INSERT INTO a (v) VALUES ('x'), ('y'), ('z');
INSERT INTO b (v) VALUES ('x'), ('y');
