SELECT count(*) = 1 FROM keep
