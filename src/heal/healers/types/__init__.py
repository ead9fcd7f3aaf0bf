"""Types fixers."""
