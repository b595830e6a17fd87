SELECT a = 5 AND b = 'short' AND d = 42 FROM t
