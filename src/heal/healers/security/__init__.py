"""Security fixers."""
