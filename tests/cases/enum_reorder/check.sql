SELECT p = 'mid' FROM tasks
