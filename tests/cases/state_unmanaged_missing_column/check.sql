SELECT count(*) = 1 FROM users WHERE email = 'ada@example.com' AND team_id = 1
SELECT profession IS NULL FROM users WHERE email = 'ada@example.com'
SELECT (SELECT max(attnum) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'profession') > (SELECT attnum FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'deleted_at')
