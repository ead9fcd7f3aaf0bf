"""heal's logic rules (LOG1xx): code that cannot do what it says."""
