CREATE TABLE parent (id int NOT NULL, region text NOT NULL, CONSTRAINT parent_pkey PRIMARY KEY (id));
CREATE TABLE child (id int PRIMARY KEY, parent_id int CONSTRAINT child_parent_fk REFERENCES parent (id));
ALTER TABLE parent ADD CONSTRAINT parent_id_key UNIQUE (id);
INSERT INTO parent VALUES (1, 'eu');
INSERT INTO child VALUES (1, 1);
