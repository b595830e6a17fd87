CREATE TABLE users (id int PRIMARY KEY, old text);
CREATE TABLE dgs_lessons (id int PRIMARY KEY, user_id int REFERENCES users (id), notes text);
CREATE INDEX dgs_lessons_notes_idx ON dgs_lessons (notes);
INSERT INTO users VALUES (1, 'x');
INSERT INTO dgs_lessons VALUES (1, 1, 'keep me');
