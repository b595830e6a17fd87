SELECT nextval(pg_get_serial_sequence('a', 'id')) = 8
