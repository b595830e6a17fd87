SELECT count(*) = 2 FROM clients
SELECT (SELECT oid FROM oid_before_copy) = 'clients'::regclass::oid::bigint
SELECT count(*) = 1 FROM orders WHERE customer_id = 1
