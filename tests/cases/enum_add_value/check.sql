SELECT role = 'guest' FROM users
