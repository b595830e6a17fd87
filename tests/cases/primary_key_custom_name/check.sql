SELECT count(*) = 1 FROM pg_constraint WHERE conname = 'pk_users' AND contype = 'p'
SELECT count(*) = 0 FROM pg_constraint WHERE conname = 'users_pkey'
