SELECT count(*) = 2 FROM purchases
