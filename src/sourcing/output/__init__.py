"""Output for people: the terminal view, the pictures, and the one writer of output folders."""
