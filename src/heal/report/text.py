"""`--format text`: findings grouped by priority in rich tables, then a summary per category and
per tool. Colour follows rich's rules (off when NO_COLOR is set or output is not a terminal)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from heal.model import Category, Finding, Priority
from heal.pipeline import ScanResult, count_by

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


def findings_table(findings: list[Finding], priority: Priority) -> Table:
    table = Table(title=f"{PRIORITY_TITLES[priority]} ({len(findings)})", title_justify="left",
                  title_style=PRIORITY_STYLES[priority], show_edge=False, expand=False)
    table.add_column("location", no_wrap=True, overflow="fold")
    table.add_column("rule", no_wrap=True)
    table.add_column("category")
    table.add_column("message", overflow="fold")
    table.add_column("fix")
    for finding in findings:
        table.add_row(escape(_location(finding)), finding.rule, finding.category.value,
                      escape(finding.message), finding.fixable)
    return table


def render_scan(result: ScanResult, console: Console) -> None:
    for priority in Priority:
        group = [f for f in result.findings if f.priority is priority]
        if group:
            console.print(findings_table(group, priority))
            console.print()
    for error in result.errors:
        console.print(f"[yellow]warning:[/] {escape(error.tool)}: {escape(error.message)}")
    for tool in result.skipped_tools:
        console.print(f"[yellow]warning:[/] {tool} is not installed; its rules were not checked")
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
        f"[{style}]{len(result.findings)} findings[/] ({failing} at or above "
        f"{result.config.fail_on.value}) in {len(result.files)} files{generated}, "
        f"{result.duration:.1f}s"
    )
