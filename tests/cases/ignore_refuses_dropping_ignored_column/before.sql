CREATE TABLE keep (id int);
CREATE TABLE users (id int, legacy_notes text);
INSERT INTO users VALUES (1, 'precious');
