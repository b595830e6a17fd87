CREATE TABLE a (id int PRIMARY KEY);
CREATE TABLE b (a_id int CONSTRAINT b_a_fk REFERENCES a (id), c_id int);
