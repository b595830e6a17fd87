CREATE TYPE old_mood AS ENUM ('a');
