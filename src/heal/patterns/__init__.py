"""Fix patterns: versioned YAML files heal tries before its fixers, and learns from its heals.

The file: model.py (the schema, as data), load.py (reading and validating a file), store.py
(the files and their index), library.py (`PatternLibrary`: what the planner and the pipeline
call).
Matching: template.py (templates and metavariables), unify.py (binding metavariables),
locate.py (the nodes a finding points at), render.py (filling a fix template), layout.py (a
fix that keeps the matched code's layout), rewrite.py (one checked edit per match).
Learning: region.py (where an edit is), abstract.py (what becomes a metavariable),
comments.py (comment rules), generalise.py (one edit -> a pattern), edit.py (the checks a
learned pattern passes), anti_unify.py (two edits -> one pattern), learn.py (a run's verified
fixes and outcomes), mine.py (git history). pages.py: a pattern as text or markdown.
The commands `heal patterns ...` and `heal learn` live in heal.commands.

Import from the modules (`from heal.patterns.library import PatternLibrary`); this package
imports nothing itself, so `heal --help` does not pay for libcst and the fixers.
"""
