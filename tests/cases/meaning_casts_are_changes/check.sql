SELECT pg_get_constraintdef(oid) = 'CHECK ((x > (1.5)::integer))' FROM pg_constraint WHERE conname = 't_x_check'
SELECT pg_get_constraintdef(oid) = 'CHECK (((c)::text = ''1''::text))' FROM pg_constraint WHERE conname = 't_c_check'
SELECT pg_get_expr(adbin, adrelid) = '''abc''::character varying(2)' FROM pg_attrdef WHERE adrelid = 't'::regclass
