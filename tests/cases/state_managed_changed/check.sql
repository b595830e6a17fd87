SELECT count(*) = 2 FROM users
SELECT count(*) = 2 FROM teams WHERE slug IS NULL
