SELECT count(*) = 2 FROM users
SELECT 'users'::regclass::oid::bigint = (SELECT oid FROM oid_before_copy)
SELECT display_name = 'ann' FROM users WHERE email = 'a@x'
SELECT bool_and(active) FROM users
SELECT nextval('users_number_seq') = 3
