CREATE TABLE users (id int, legacy_name text, legacy_code int);
CREATE TABLE legacy_audit (x int);
CREATE SCHEMA archive;
CREATE TABLE archive.old (y int);
CREATE SEQUENCE manual_seq;
CREATE TYPE manual_type AS ENUM ('a');
CREATE VIEW manual_view AS SELECT 1 AS one;
