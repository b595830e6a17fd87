SELECT convalidated FROM pg_constraint WHERE conname = 'orders_amount_positive'
SELECT convalidated FROM pg_constraint WHERE conname = 'orders_account_fk'
