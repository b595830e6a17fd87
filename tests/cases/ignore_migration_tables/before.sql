CREATE TABLE alembic_version (version_num varchar(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
INSERT INTO alembic_version VALUES ('3f2a1b');
CREATE TABLE schema_migrations (version varchar PRIMARY KEY);
CREATE TABLE users (id bigint PRIMARY KEY);
