SELECT display_name = 'Ada' FROM t WHERE id = 1
