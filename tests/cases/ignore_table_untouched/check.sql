SELECT notes = 'keep me' FROM dgs_lessons
SELECT count(*) = 1 FROM pg_indexes WHERE indexname = 'dgs_lessons_notes_idx'
