"""`heal mcp`: heal as a Model Context Protocol server over stdio, for coding agents (the
`heal[mcp]` extra, on the official `mcp` package).

Its tools call heal's own functions, not the command line, and return the JSON the CLI prints:
`scan` is `heal --scan --format json`, `dry_run` and `heal` are `heal [--dry-run] --format
json`, `review_list` is `heal review --format json`; `review_approve`, `review_reject` and
`rule` return what their commands say, as JSON. An error is the tool's error result, one line.
Nothing but the protocol goes to stdout.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from heal.commands._common import guarded
from heal.errors import EXIT_OK, HealError, ToolMissingError

if TYPE_CHECKING:
    from heal.pipeline import HealRequest
    from heal.scan import ScanRequest

INSTALL = "pip install 'heal[mcp]'"
T = TypeVar("T")

app = typer.Typer(add_completion=False)


class Tools:
    """The tools' bodies, each over one repository (`repo`, else the one `heal mcp` serves)."""

    def __init__(self, default_repo: Path) -> None:
        self.default_repo = default_repo

    def _repo(self, repo: str | None) -> Path:
        return Path(repo).resolve() if repo else self.default_repo

    def _scan_request(self, repo: str | None, paths: list[str] | None,
                      select: list[str] | None) -> ScanRequest:
        from heal.scan import ScanRequest  # start-up time: the analyzers, when a tool runs

        overrides: dict[str, object] = {"select": tuple(select)} if select else {}
        return ScanRequest(repo=self._repo(repo), paths=tuple(paths or ()), overrides=overrides)

    def scan(self, repo: str | None = None, paths: list[str] | None = None,
             select: list[str] | None = None) -> dict[str, Any]:
        from heal import scan as scanning
        from heal.report import json as json_report

        return json_report.scan_document(scanning.scan(self._scan_request(repo, paths, select)))

    def heal(self, repo: str | None = None, paths: list[str] | None = None,
             select: list[str] | None = None, dry_run: bool = False,
             no_llm: bool = False) -> dict[str, Any]:
        from heal import pipeline
        from heal.report import json as json_report

        request: HealRequest = pipeline.HealRequest(
            scan=self._scan_request(repo, paths, select), dry_run=dry_run, no_llm=no_llm,
            command="heal mcp " + ("dry_run" if dry_run else "heal"))
        return json_report.heal_document(pipeline.heal(request))

    def review_list(self, repo: str | None = None, show_all: bool = False) -> dict[str, object]:
        from heal.commands.review import items_document, listed_items

        return items_document(listed_items(self._repo(repo), show_all))

    def review_approve(self, ids: list[str], repo: str | None = None) -> dict[str, object]:
        from heal import decisions

        outcome = decisions.approve(self._repo(repo), ids)
        return {"approved": outcome.approved, "landed": outcome.landed,
                "stale": [{"id": item, "reason": why} for item, why in outcome.stale],
                "messages": outcome.messages, "test_runs": outcome.test_runs}

    def review_reject(self, ids: list[str], reason: str,
                      repo: str | None = None) -> dict[str, object]:
        from heal import decisions

        rejected = decisions.reject_items(self._repo(repo), ids, reason)
        return {"rejected": [item.id for item in rejected], "reason": reason}

    def rule(self, code: str) -> dict[str, object]:
        from heal import rulebook
        from heal.ruledoc import docstring
        from heal.rules.registry import RULES

        info = rulebook.lookup(code)
        detector = RULES.get(info.code) if info.tool == "heal" else None
        return {**info.to_dict(), "documentation": docstring(detector) if detector else ""}


def server(default_repo: Path) -> Any:
    """The MCP server with heal's tools; a one-line error without the `mcp` package."""
    try:
        from mcp.server.mcpserver import MCPServer
        from mcp.server.mcpserver.exceptions import ToolError
    except ImportError:
        raise ToolMissingError(f"heal mcp needs the mcp package: {INSTALL}") from None
    tools = Tools(default_repo)

    def said(call: Callable[[], T]) -> T:
        """heal's one-line errors as the tool's error result, word for word."""
        try:
            return call()
        except HealError as error:
            raise ToolError(error.message) from None

    mcp = MCPServer("heal", instructions=(
        "heal finds problems in a Python repository (ruff, mypy, bandit, its own detectors), "
        "fixes them in a git worktree and lands only what the project's tests pass. Start "
        "with scan, preview with dry_run, then heal; fixes that need a human wait in the "
        "review queue (review_list, review_approve, review_reject)."))

    @mcp.tool(description="Report the findings (heal --scan --format json); changes nothing.")
    def scan(repo: str | None = None, paths: list[str] | None = None,
             select: list[str] | None = None) -> dict[str, Any]:
        return said(lambda: tools.scan(repo, paths, select))

    @mcp.tool(description="Fix and verify in a worktree and return the report with the diff "
                          "(heal --dry-run --format json); writes nothing.")
    def dry_run(repo: str | None = None, paths: list[str] | None = None,
                select: list[str] | None = None, no_llm: bool = False) -> dict[str, Any]:
        return said(lambda: tools.heal(repo, paths, select, dry_run=True, no_llm=no_llm))

    @mcp.tool(description="Fix, verify with the tests and land what passed (heal --format "
                          "json); fixes that need a human go to the review queue.")
    def heal(repo: str | None = None, paths: list[str] | None = None,
             select: list[str] | None = None, no_llm: bool = False) -> dict[str, Any]:
        return said(lambda: tools.heal(repo, paths, select, no_llm=no_llm))

    @mcp.tool(description="The fixes waiting for review (heal review --format json); "
                          "show_all adds decided ones.")
    def review_list(repo: str | None = None, show_all: bool = False) -> dict[str, object]:
        return said(lambda: tools.review_list(repo, show_all))

    @mcp.tool(description="Land reviewed fixes by id (verified again if the tree moved).")
    def review_approve(ids: list[str], repo: str | None = None) -> dict[str, object]:
        return said(lambda: tools.review_approve(ids, repo))

    @mcp.tool(description="Reject reviewed fixes by id; the reason is required and recorded.")
    def review_reject(ids: list[str], reason: str, repo: str | None = None) -> dict[str, object]:
        return said(lambda: tools.review_reject(ids, reason, repo))

    @mcp.tool(description="One rule explained: category, priority, tool, how heal fixes it.")
    def rule(code: str) -> dict[str, object]:
        return said(lambda: tools.rule(code))

    return mcp


def serve(repo: Path | None) -> int:
    from heal.commands._common import repo_root

    server(repo_root(repo)).run("stdio")
    return EXIT_OK


@app.command("mcp")
def mcp_command(
    repo: Annotated[Path | None, typer.Option(
        "--repo", file_okay=False, help="The repository the tools work on when a call names "
        "none (default: the one around the current folder).")] = None,
) -> None:
    """Serve heal's tools to coding agents over the Model Context Protocol (stdio)."""
    raise typer.Exit(guarded(False, lambda: serve(repo)))
