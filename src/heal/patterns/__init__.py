"""Fix patterns: versioned YAML files heal tries before its fixers, and learns from its heals.

model.py (the schema), matcher.py (template unification over libcst), store.py (the files and
their index), library.py (`PatternLibrary`: what the planner and the pipeline call), learn.py
(generalising verified fixes, mining git history), pages.py (a pattern as text or markdown).
The commands `heal patterns ...` and `heal learn` live in heal.commands.

Import from the modules (`from heal.patterns.library import PatternLibrary`); this package
imports nothing itself, so `heal --help` does not pay for libcst and the fixers.
"""
