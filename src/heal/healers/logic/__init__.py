"""Logic fixers."""
