CREATE TYPE mood AS ENUM ('sad', 'ok');
COMMENT ON TYPE mood IS 'How a user feels';
CREATE TYPE color AS ENUM ('red', 'green');
