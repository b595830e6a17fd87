CREATE TABLE docs (id integer PRIMARY KEY, body xml, name text);
INSERT INTO docs VALUES (1, '<root><item>a</item><item>b</item></root>', 'one');
CREATE VIEW doc_items AS SELECT d.id, x.item FROM docs d, XMLTABLE('/root/item' PASSING d.body COLUMNS item text PATH '.') x;
CREATE VIEW doc_names AS SELECT collation for (name) AS c, id FROM docs;
CREATE VIEW pairs AS SELECT * FROM ROWS FROM (generate_series(1, 2), generate_series(1, 3)) AS r(a, b);
