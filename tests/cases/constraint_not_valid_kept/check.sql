SELECT NOT convalidated FROM pg_constraint WHERE conname = 'orders_amount_positive'
SELECT NOT convalidated FROM pg_constraint WHERE conname = 'orders_account_fk'
SELECT NOT convalidated FROM pg_constraint WHERE conname = 'orders_id_positive'
SELECT NOT convalidated FROM pg_constraint WHERE conname = 'refunds_amount_positive'
SELECT count(*) = 2 FROM orders
