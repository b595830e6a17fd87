CREATE TYPE status AS ENUM ('open', 'closed');
CREATE TABLE tickets (id bigint PRIMARY KEY, status status NOT NULL DEFAULT 'open', note text);
INSERT INTO tickets VALUES (1, 'closed', 'x');
