SELECT count(*) = 1 FROM alembic_version
SELECT to_regclass('public.schema_migrations') IS NOT NULL
