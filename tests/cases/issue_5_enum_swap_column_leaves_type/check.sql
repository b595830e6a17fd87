SELECT c4 = 'v0' AND c5 = 'v1' FROM t
