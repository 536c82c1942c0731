"""What studying means, shared by every front-end (the terminal drill and the practice app)."""
