CREATE TYPE mood AS ENUM ('a', 'b', 'c');
CREATE TABLE diary (m mood);
CREATE TABLE manual_log (m mood);
