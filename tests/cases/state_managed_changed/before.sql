-- The state an earlier reconcile apply left (version 1 of the schema).
CREATE TABLE public.teams (
    id bigint GENERATED ALWAYS AS IDENTITY,
    name text NOT NULL,
    CONSTRAINT teams_pkey PRIMARY KEY (id)
);
CREATE TABLE public.users (
    id bigint GENERATED ALWAYS AS IDENTITY,
    email text NOT NULL,
    team_id bigint,
    CONSTRAINT users_pkey PRIMARY KEY (id)
);
ALTER TABLE public.users ADD CONSTRAINT users_team_id_fkey FOREIGN KEY (team_id) REFERENCES public.teams (id);
INSERT INTO teams (name) VALUES ('core'), ('ops');
INSERT INTO users (email, team_id) VALUES ('a@x', 1), ('b@x', 2);
