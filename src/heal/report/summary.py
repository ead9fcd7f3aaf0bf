"""The markdown summary `heal ci` writes to `$GITHUB_STEP_SUMMARY` (a job's summary page)."""

from __future__ import annotations

from heal.model import Category, Priority
from heal.results import HealResult, ScanResult


def scan_summary(result: ScanResult, shard: str | None = None) -> str:
    title = "heal scan" + (f" (shard {shard})" if shard else "")
    failing = len(result.failing())
    lines = [f"## {title}", "",
             f"**{len(result.findings)} findings** in {len(result.files)} files, {failing} at or "
             f"above {result.config.fail_on.value} ({result.duration:.1f}s)", "",
             "| priority | " + " | ".join(c.value for c in Category) + " |",
             "| --- |" + " --: |" * len(Category)]
    for priority in Priority:
        counts = [sum(1 for f in result.findings if f.priority is priority and f.category is c)
                  for c in Category]
        lines.append(f"| {priority.value} | " + " | ".join(str(n) for n in counts) + " |")
    top = result.failing()[:20]
    if top:
        lines += ["", "| location | rule | message |", "| --- | --- | --- |"]
        lines += [f"| `{f.path}:{f.span.start.line}` | `{f.rule}` | {_cell(f.message)} |"
                  for f in top]
    for error in result.errors:
        lines.append(f"\n> warning: {error.tool}: {error.message}")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def heal_summary(result: HealResult) -> str:
    verified = [r for r in result.records if r.verdict.value == "verified"]
    rejected = [r for r in result.records if r.verdict.value == "rejected"]
    lines = ["## heal autofix", "",
             f"{len(verified)} verified fixes committed on `{result.branch}`"
             if result.branch else f"{len(verified)} verified fixes", "",
             f"{len(rejected)} rejected, {result.test_runs} test runs, {result.duration:.1f}s"]
    lines += [f"- `{r.fix.path}:{r.fix.line}` {r.fix.rule}: {r.reason}" for r in rejected[:20]]
    return "\n".join(lines) + "\n"
