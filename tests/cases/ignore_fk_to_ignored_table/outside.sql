CREATE TABLE dgs_lessons (id int PRIMARY KEY);
