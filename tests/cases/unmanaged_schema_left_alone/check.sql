SELECT count(*) = 1 FROM pg_tables WHERE schemaname = 'audit'
