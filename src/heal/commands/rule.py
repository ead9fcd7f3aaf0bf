"""`heal rule CODE`: one rule explained; `--enable` turns its fixers (or pattern) back on after
the circuit breaker switched them off."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from heal import breaker
from heal.commands._common import guarded, heal_errors, repo_root, stdout_console
from heal.config import load_config
from heal.errors import EXIT_OK, UsageError
from heal.history import History
from heal.ruledoc import docstring
from heal.rules import retired
from heal.state import ensure_state_dir

app = typer.Typer(add_completion=False)


def explain(code: str) -> int:
    # start-up time: every fixer, detector and analyzer, and libcst with them
    from heal import rulebook
    from heal.healers import FIXERS
    from heal.rules.registry import RULES

    console = stdout_console()
    fixer = FIXERS.get(code.upper())
    if fixer is not None and fixer.CODE not in RULES:  # a native rule's fixer: its rule's page
        console.print(f"[bold]{fixer.CODE}[/] ({fixer.NAME}): a {fixer.CATEGORY.value} fixer, "
                      f"fix safety {fixer.SAFETY.value}; heals {', '.join(fixer.RULES)}")
        console.print()
        console.print(docstring(fixer), markup=False)
        return EXIT_OK
    info = rulebook.lookup(code)
    console.print(f"[bold]{info.rule}[/] ({info.name}): {escape(info.summary)}")
    console.print(f"category {info.category.value}, priority {info.priority.value}, "
                  f"tool {info.tool}, fix: {info.fix}"
                  + (f" ({', '.join(info.fixers)})" if info.fixers else ""))
    detector = RULES.get(info.code) if info.tool == "heal" else None
    # a failure at run time has no detector: the fixers that heal it explain it
    explained = [detector] if detector is not None else [
        cls for cls in FIXERS.values() if info.tool == "pytest" and info.rule in cls.RULES]
    for cls in explained:
        console.print()
        console.print(docstring(cls), markup=False)
    if info.tool == "pytest":
        console.print(f"\nfound by `heal --from-tests` and `heal --from-log`: {info.url}")
    elif info.rule in rulebook.FILE_PROBLEM_PAGES:
        console.print()
        console.print(rulebook.FILE_PROBLEM_PAGES[info.rule], markup=False)
    elif detector is None:
        console.print(f"documentation: {info.url}")
    return EXIT_OK


def enable_rule(code: str, repo: Path | None = None) -> int:
    """Re-enable the fixers (or pattern) the circuit breaker turned off for CODE (a rule, a
    fixer code or name, or a pattern id)."""
    root = repo_root(repo)
    config = load_config(root)
    history = History(ensure_state_dir(root))
    try:
        tripped = breaker.tripped(history, config, root=root)
        keys = breaker.keys_for(code, tripped)
        chosen = [key for key in keys if key in tripped]
        console = stdout_console()
        if not keys:
            raise UsageError(f"`{code}` names no rule, fixer or pattern heal knows; "
                             "`heal rules` lists them")
        if not chosen:
            console.print(f"nothing to re-enable: {', '.join(keys)} "
                          f"{'is' if len(keys) == 1 else 'are'} not switched off by the "
                          "circuit breaker", soft_wrap=True)
            return EXIT_OK
        for key in chosen:
            breaker.enable(history, key, by=f"heal rule {code} --enable")
            console.print(f"re-enabled {key} (was: {tripped[key]})", soft_wrap=True,
                          markup=False)
    finally:
        history.close()
    return EXIT_OK


@app.command("rule")
def rule_command(code: Annotated[str, typer.Argument(help="A rule code: PERF101, F401, B506...")],
                 enable: Annotated[bool, typer.Option(
                     "--enable", help="Re-enable its fixers (or a pattern) after the circuit "
                     "breaker switched them off.")] = False,
                 ) -> None:
    """Explain one rule: what it finds, why it matters, and how heal can fix it."""
    code = retired.current(code)  # LGC101 -> LOG101, with a note
    if enable:
        raise typer.Exit(guarded(False, lambda: enable_rule(code)))
    raise typer.Exit(heal_errors(lambda: explain(code)))
