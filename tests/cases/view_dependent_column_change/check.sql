SELECT count(*) = 1 FROM top_scores
