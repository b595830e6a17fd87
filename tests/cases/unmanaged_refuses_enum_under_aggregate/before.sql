CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE entries (id bigint PRIMARY KEY, mood mood NOT NULL);
CREATE AGGREGATE happiest(mood) (SFUNC = enum_larger, STYPE = mood);
CREATE DOMAIN good_mood AS mood CHECK (VALUE <> 'sad');
CREATE FUNCTION is_happy(m mood) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT m = 'happy' $$;
