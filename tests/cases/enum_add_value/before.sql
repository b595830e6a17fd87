CREATE TYPE user_role AS ENUM ('admin', 'guest');
CREATE TABLE users (role user_role);
INSERT INTO users VALUES ('guest');
