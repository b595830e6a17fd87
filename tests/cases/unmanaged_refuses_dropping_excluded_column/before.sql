CREATE TABLE bookings (id bigint PRIMARY KEY, room int NOT NULL, during tstzrange NOT NULL, note text,
  CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&));
CREATE FOREIGN DATA WRAPPER dummy_fdw;
CREATE SERVER dummy_server FOREIGN DATA WRAPPER dummy_fdw;
CREATE FOREIGN TABLE remote_bookings (id bigint) SERVER dummy_server;
