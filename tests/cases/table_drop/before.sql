CREATE TABLE keep (id int PRIMARY KEY);
CREATE TABLE old_stuff (id int PRIMARY KEY, keep_id int REFERENCES keep (id));
INSERT INTO keep VALUES (1);
INSERT INTO old_stuff VALUES (1, 1);
