SELECT (SELECT count(*) FROM doc_items) = 2
SELECT (SELECT count(*) FROM pairs) = 4
SELECT (SELECT tag::text FROM doc_tags WHERE id = 1) = '<tag>one</tag>'
SELECT (SELECT atttypmod FROM pg_attribute WHERE attrelid = 'docs'::regclass AND attname = 'name') = 54
SELECT EXISTS (SELECT FROM pg_constraint WHERE conname = 'docs_body_items' AND convalidated)
