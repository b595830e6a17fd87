SELECT b = 9 AND c = 4 FROM t
