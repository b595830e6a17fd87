CREATE TABLE film (film_id integer PRIMARY KEY, title text NOT NULL, release_year year);
