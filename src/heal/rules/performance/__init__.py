"""heal's performance rules (PERF1xx): code that does needless work, often in a loop."""
