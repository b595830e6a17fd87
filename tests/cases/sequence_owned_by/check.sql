SELECT nextval('legacy_seq') = 42
SELECT NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'gone_seq')
SELECT pg_get_serial_sequence('orders', 'no') = 'public.order_no'
SELECT pg_get_serial_sequence('tickets', 'no') = 'public.ticket_no'
SELECT pg_get_serial_sequence('moved', 'b') = 'public.moved_seq'
SELECT pg_get_serial_sequence('moved', 'a') IS NULL
