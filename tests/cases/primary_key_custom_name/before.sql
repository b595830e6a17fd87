CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
CREATE TABLE teams (id bigint CONSTRAINT pk_teams PRIMARY KEY, name text);
