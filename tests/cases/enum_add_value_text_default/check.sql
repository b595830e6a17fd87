SELECT status = 'closed' FROM tickets WHERE id = 1
