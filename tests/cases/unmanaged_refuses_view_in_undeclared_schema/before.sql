CREATE TABLE users (id bigint PRIMARY KEY, score int, name text);
CREATE SCHEMA reporting;
CREATE VIEW reporting.user_scores AS SELECT id, score FROM public.users;
CREATE MATERIALIZED VIEW reporting.user_names AS SELECT id, name FROM public.users;
