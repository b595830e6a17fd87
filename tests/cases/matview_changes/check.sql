SELECT count(*) = 2 FROM m
