SELECT count(*) = 2 FROM users
SELECT role = 'admin' AND roles = '{admin,member}' FROM users WHERE id = 1
SELECT count(*) = 1 FROM admins
