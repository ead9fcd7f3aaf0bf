"""`--format text`: findings grouped by priority, one per line, then a summary per category and
per tool; a heal run's fixes in rich tables. Colour follows rich's rules (off when NO_COLOR is
set or output is not a terminal)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from heal.model import Category, Finding, Priority, Verdict, counted
from heal.results import HealResult, ScanResult, count_by
from heal.verify.records import FixRecord

PRIORITY_TITLES = {
    Priority.P0: "P0 security",
    Priority.P1: "P1 errors",
    Priority.P2: "P2 warnings",
    Priority.P3: "P3 style",
}
PRIORITY_STYLES = {Priority.P0: "bold red", Priority.P1: "red", Priority.P2: "yellow",
                   Priority.P3: "cyan"}


def _location(finding: Finding) -> str:
    return f"{finding.path}:{finding.span.start.line}:{finding.span.start.column + 1}"


FIX_LABELS = {"safe": ("[safe fix]", "green"), "unsafe": ("[unsafe fix]", "yellow"),
              "review": ("[review fix]", "magenta")}
LOCATION_WIDTH = 56  # longer locations push their line's columns right instead of all lines'


def findings_block(findings: list[Finding], priority: Priority) -> Text:
    """One priority's findings, one per line with aligned columns (as ruff prints them): a
    rich Table measures every cell of every row, which took seconds for a thousand findings."""
    style = PRIORITY_STYLES[priority]
    block = Text(f"{PRIORITY_TITLES[priority]} ({len(findings)})\n", style=f"bold {style}")
    locations = [_location(f) for f in findings]
    width = min(max(map(len, locations)), LOCATION_WIDTH)
    rule_width = max(len(f.rule) for f in findings)
    category_width = max(len(f.category.value) for f in findings)
    for finding, location in zip(findings, locations, strict=True):
        block.append("  ")
        block.append(location.ljust(width), style="bold")
        block.append("  ")
        block.append(finding.rule.ljust(rule_width), style=style)
        block.append(f"  {finding.category.value.ljust(category_width)}  ")
        block.append(" ".join(finding.message.split()))
        label = FIX_LABELS.get(finding.fixable)
        if label is not None:
            block.append("  ")
            block.append(*label)
        block.append("\n")
    return block


def render_scan(result: ScanResult, console: Console) -> None:
    for priority in Priority:
        group = [f for f in result.findings if f.priority is priority]
        if group:
            console.print(findings_block(group, priority), soft_wrap=True)
    for error in result.errors:
        console.print(f"[yellow]warning:[/] {escape(error.tool)}: {escape(error.message)}",
                      soft_wrap=True)  # one line, as a user would grep it
    for tool in result.skipped_tools:
        console.print(f"[yellow]warning:[/] {tool} is not installed; its rules were not checked",
                      soft_wrap=True)
    by_category = count_by(result.findings, lambda f: f.category.value)
    by_tool = count_by(result.findings, lambda f: f.tool)
    console.print("by category: " + (", ".join(
        f"{c.value} {by_category[c.value]}" for c in Category if c.value in by_category) or "none"))
    console.print("by tool:     " + ", ".join(
        f"{tool} {by_tool.get(tool, 0)} ({seconds:.1f}s)" for tool, seconds in
        sorted(result.durations.items())) if result.durations else "by tool:     none ran")
    failing = len(result.failing())
    style = "bold red" if failing else "bold green"
    generated = f", {len(result.generated)} generated skipped" if result.generated else ""
    console.print(
        f"[{style}]{counted(len(result.findings), 'finding')}[/] ({failing} at or above "
        f"{result.config.fail_on.value}) in {counted(len(result.files), 'file')}{generated}, "
        f"{result.duration:.1f}s"
    )


def _fix_rows(records: list[FixRecord], title: str, style: str) -> Table:
    table = Table(title=f"{title} ({len(records)})", title_justify="left", title_style=style,
                  show_edge=False)
    table.add_column("location", no_wrap=True)
    table.add_column("rule", no_wrap=True)
    # the fix names the symbol (remove unused import `os`), its source below it: four columns
    # leave the reason room on an 80-column terminal
    table.add_column("fix (source)", overflow="fold")
    table.add_column("why", overflow="fold", ratio=3)
    for record in records:
        table.add_row(escape(f"{record.fix.path}:{record.fix.line}"), record.fix.rule,
                      f"{escape(record.fix.description)}\n[dim]{escape(record.fix.source)}[/]",
                      escape(record.reason))
    return table


def print_diff(diff: str, console: Console) -> None:
    for line in diff.splitlines():
        style = ("green" if line.startswith("+") and not line.startswith("+++") else
                 "red" if line.startswith("-") and not line.startswith("---") else
                 "cyan" if line.startswith("@@") else "bold" if line.startswith(("---", "+++"))
                 else "")
        console.print(escape(line), style=style or None, soft_wrap=True)


def render_notes(messages: Sequence[str], console: Console) -> None:
    for message in messages:
        console.print(f"[yellow]note:[/] {escape(message)}", soft_wrap=True)


def render_heal(result: HealResult, console: Console, review_hint: bool = True) -> None:
    """The outcome of a heal or a dry run; `review_hint`: point at `heal review` when fixes
    wait there (a dry run queues nothing: it says how to queue them)."""
    render_notes(result.messages, console)
    verified = result.by_verdict(Verdict.VERIFIED)
    unverified = result.by_verdict(Verdict.UNVERIFIED)
    rejected = result.by_verdict(Verdict.REJECTED)
    review = result.by_verdict(Verdict.NEEDS_REVIEW)
    if result.dry_run and result.patch:
        console.print("[bold]verified fixes (dry run: nothing was written)[/]\n")
        for diff in result.patch.values():
            print_diff(diff, console)
        console.print()
    for records, title, style in ((verified, "verified", "green"),
                                  (unverified, "unverified (--no-verify)", "yellow"),
                                  (review, "needs review", "magenta"),
                                  (rejected, "rejected", "red")):
        if records:
            console.print(_fix_rows(records, title, style))
            console.print()
    if result.dry_run and result.declined:
        table = Table(title=f"declined ({len(result.declined)})", title_justify="left",
                      show_edge=False)
        table.add_column("location", no_wrap=True)
        table.add_column("rule", no_wrap=True)
        table.add_column("why", overflow="fold")
        for declined in result.declined:
            table.add_row(escape(f"{declined.path}:{declined.line}"), declined.rule,
                          escape(declined.reason))
        console.print(table)
        console.print()
    if result.baseline is not None and (result.baseline.known_failures or result.baseline.flaky):
        console.print(f"[yellow]baseline:[/] "
                      f"{counted(len(result.baseline.known_failures), 'test')} already failing, "
                      f"{len(result.baseline.flaky)} flaky; never blamed on a fix")
    for path, why in result.skipped_files:
        console.print(f"[yellow]skipped[/] {escape(path)}: {escape(why)}")
    if result.branch:
        console.print(f"committed {counted(len(result.landed), 'file')} on branch "
                      f"[bold]{result.branch}[/] "
                      f"({result.commit[:10] if result.commit else ''}); your tree is untouched")
    elif result.commit:
        console.print(f"committed {counted(len(result.landed), 'file')} as {result.commit[:10]}")
    if result.dry_run:
        action = (f"{counted(sum(1 for r in result.records if r.landable), 'fix', 'fixes')} "
                  f"would land in {counted(len(result.patch), 'file')}")
    else:  # landed: written to the tree (or committed on --branch); a skipped file's are not
        skipped = len(result.skipped_fixes())
        action = (f"{counted(len(result.landed_fixes()), 'fix', 'fixes')} "
                  f"{'committed' if result.branch else 'landed'} in "
                  f"{counted(len(result.landed), 'file')}"
                  + (f" ({skipped} skipped)" if skipped else ""))
    failing = len(result.failing())
    remain = "finding remains" if len(result.remaining) == 1 else "findings remain"
    console.print(
        f"[bold]{action}[/], "
        f"{len(rejected)} rejected, {len(review)} for review, {len(result.declined)} declined; "
        f"{counted(result.test_runs, 'test run')}; "
        f"{len(result.remaining)} {remain} ({failing} at or above "
        f"{result.config.fail_on.value}); {result.duration:.1f}s", soft_wrap=True
    )
    if result.llm is not None:
        usage = result.llm
        console.print(f"LLM {escape(usage.model)}: {counted(usage.requests, 'request')}, "
                      f"{counted(usage.tokens, 'token')} ({usage.prompt_tokens} prompt, "
                      f"{usage.completion_tokens} completion)")
    if review and review_hint and result.dry_run:
        console.print("fixes for review: run heal without --dry-run to queue them for "
                      "`heal review`")
    elif review and review_hint:
        console.print("review them with `heal review`")
