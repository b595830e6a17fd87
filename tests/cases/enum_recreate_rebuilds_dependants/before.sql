CREATE TYPE mood AS ENUM ('a', 'b');
CREATE TABLE t (
  id int,
  m mood,
  note text DEFAULT 'a'::mood::text,
  label text,
  flag boolean GENERATED ALWAYS AS (m = 'b'::mood) STORED,
  CONSTRAINT t_note_check CHECK (note <> 'b'::mood::text)
);
CREATE INDEX t_label_idx ON t (label) WHERE m <> 'b'::mood;
CREATE VIEW v AS SELECT id, 'b'::mood AS fixed FROM t;
INSERT INTO t (id, m, label) VALUES (1, 'a', 'a'), (2, 'b', NULL);
