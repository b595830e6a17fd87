CREATE TYPE prio AS ENUM ('low', 'high', 'mid');
CREATE TABLE tasks (p prio);
INSERT INTO tasks VALUES ('mid');
