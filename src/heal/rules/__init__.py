"""heal's own rules: one file per rule under its one code (`logic/log101_unreachable_code.py`,
`performance/perf101_string_concat_in_loop.py`), each holding the detector, the fixer if the
rule has one, one docstring and the VALID / INVALID cases.

`registry` collects them by hand; `base` is the shape of a detector, `scope` what several
rules ask about a body. This module stays empty so that importing one of those does not
import every rule.
"""
