CREATE TABLE events (id bigint PRIMARY KEY, kind text, payload jsonb, at timestamptz, tags text[]);
INSERT INTO events VALUES (1, 'a', '{}', now(), '{x}');
