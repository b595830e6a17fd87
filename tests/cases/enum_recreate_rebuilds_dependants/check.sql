SELECT count(*) = 2 FROM t
SELECT (SELECT m::text FROM t WHERE id = 2) = 'b' AND (SELECT flag FROM t WHERE id = 2)
SELECT note = 'a' FROM t WHERE id = 1
