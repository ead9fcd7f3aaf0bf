"""Performance fixers."""
