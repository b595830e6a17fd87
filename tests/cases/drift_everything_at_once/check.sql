SELECT name = 'x' FROM a WHERE id = 1
