"""Training: data from search, expert iteration and RLVR."""
