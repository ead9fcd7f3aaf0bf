"""Style fixers."""
