CREATE TABLE measurements (id bigint PRIMARY KEY, taken_at timestamptz NOT NULL, note text);
CREATE TABLE measurements_archive (archived_by text) INHERITS (measurements);
INSERT INTO measurements_archive (id, taken_at, note, archived_by) VALUES (1, now(), 'kept', 'ops');
