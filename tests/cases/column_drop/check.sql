SELECT keep = 'y' FROM t WHERE id = 1
