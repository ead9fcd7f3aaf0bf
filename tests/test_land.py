"""Landing's grouping: a fix's files land together or not at all."""

from __future__ import annotations

from heal.land import linked


def test_a_skip_spreads_through_groups_that_share_files() -> None:
    groups = [("a.py", "b.py"), ("b.py", "c.py"), ("x.py", "y.py")]
    assert linked({"c.py"}, groups) == {"a.py", "b.py", "c.py"}
    assert linked({"y.py"}, groups) == {"x.py", "y.py"}
    assert linked({"z.py"}, groups) == {"z.py"}
    assert linked(set(), groups) == set()
