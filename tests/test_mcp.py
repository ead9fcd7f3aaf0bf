"""`heal mcp` driven by the `mcp` package's own stdio client, as a coding agent would: it lists
the tools, scans and previews a throwaway repository, and says errors as error results."""

from __future__ import annotations

import json
import os
import sys

import anyio
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from conftest import GIT_ENV, TEST_ENV

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/util.py": '''
        import os
        import sys


        def name():
            return sys.platform
    ''',
    "tests/test_util.py": '''
        from pkg.util import name


        def test_name():
            assert name()
    ''',
    "pyproject.toml": '[tool.heal]\nanalyzers = ["ruff"]\n',
}


def _call(repo, calls):
    """Start `heal mcp` in `repo`, then (tool names, [result of each (tool, arguments)])."""
    env = {**os.environ, **GIT_ENV, **TEST_ENV}
    params = StdioServerParameters(command=sys.executable, args=["-m", "heal", "mcp"],
                                   cwd=str(repo), env=env)

    async def session():
        async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            tools = sorted(tool.name for tool in (await client.list_tools()).tools)
            return tools, [await client.call_tool(name, arguments) for name, arguments in calls]

    return anyio.run(session)


def _json(result):
    assert not result.is_error, result.content
    return json.loads(result.content[0].text)


def test_tools_scan_and_dry_run(make_repo):
    repo = make_repo(PROJECT)
    tools, (scanned, preview, healed, queue, rule, bad) = _call(repo, [
        ("scan", {}), ("dry_run", {}), ("heal", {"repo": str(repo)}), ("review_list", {}),
        ("rule", {"code": "F401"}), ("review_reject", {"ids": ["nope"], "reason": "x"})])
    assert tools == ["dry_run", "heal", "review_approve", "review_list", "review_reject",
                     "rule", "scan"]
    findings = _json(scanned)["findings"]
    assert [(f["rule"], f["path"]) for f in findings] == [("ruff:F401", "pkg/util.py")]
    doc = _json(preview)
    assert doc["dry_run"] is True and doc["summary"]["verified"] == 1
    assert "-import os" in doc["patch"]["pkg/util.py"]
    # the dry run wrote nothing: the heal after it still had the import to remove
    assert _json(healed)["summary"]["landed_files"] == ["pkg/util.py"]
    assert "import os" not in (repo / "pkg/util.py").read_text()  # `heal` landed it
    assert _json(queue) == {"version": 1, "items": []}
    assert _json(rule)["rule"] == "ruff:F401"
    assert bad.is_error and "no review item `nope`" in bad.content[0].text


def test_without_the_mcp_package_the_message_names_the_extra(monkeypatch, tmp_path):
    import pytest

    from heal.commands.mcp import server
    from heal.errors import ToolMissingError

    monkeypatch.setitem(sys.modules, "mcp.server.mcpserver", None)  # no heal[mcp] installed
    with pytest.raises(ToolMissingError) as error:
        server(tmp_path)
    assert error.value.message == "heal mcp needs the mcp package: pip install 'heal[mcp]'"
