"""`[tool.heal]` from the target's pyproject.toml, merged with CLI flags, checked strictly.

Keys are kebab-case as in ruff's config. An unknown key or a value of the wrong type is a
`ConfigError` that names the file and the key. `Config.sources` remembers where each value
came from (default, pyproject.toml or the command line) so `heal debug` can explain itself.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heal.errors import ConfigError
from heal.model import Category, Priority

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

ANALYZER_NAMES = ("ruff", "mypy", "bandit", "native")
DEFAULT_TEST_COMMAND = "python -m pytest -q -x -p no:cacheprovider"
MAX_JOBS = 5
MAX_LLM_CONCURRENCY = 5  # the specification's cap on model calls in flight


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_JOBS))


@dataclass(frozen=True)
class LLMConfig:
    """`[tool.heal.llm]`: an OpenAI-compatible chat-completions endpoint for the findings no
    pattern and no fixer fixed. The key itself never goes in a file: `api_key_env` names the
    environment variable holding it (none: a local server that wants no key)."""

    base_url: str
    model: str
    api_key_env: str = ""
    max_concurrency: int = 2
    max_requests: int = 20
    timeout: float = 60.0


@dataclass(frozen=True)
class Config:
    exclude: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    # (glob, rule codes or prefixes): ruff's per-file-ignores; `!glob`: files it does not match
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    categories: tuple[Category, ...] = tuple(Category)
    analyzers: tuple[str, ...] = ANALYZER_NAMES
    fail_on: Priority = Priority.P1
    output_format: str = "text"
    test_command: str = DEFAULT_TEST_COMMAND
    test_timeout: float = 600.0
    jobs: int = field(default_factory=default_jobs)
    python: str = ""
    max_file_size: int = 1_000_000
    unsafe_fixes: bool = False
    skip_missing: bool = False
    side_effect_imports: tuple[str, ...] = ()
    requests_timeout: int = 30
    none_guard: str = "raise"
    auto_apply_confidence: float = 0.9
    circuit_breaker: int = 3
    max_iterations: int = 10
    batch_size: int = 16
    verify_mode: str = "affected"
    llm: LLMConfig | None = None  # off unless `[tool.heal.llm]` configures it
    # from the command line only (never from the tree's own pyproject.toml): --trust runs a
    # tracked interpreter; `heal ci --untrusted` runs nothing from the tree (sandbox/trust.py)
    trust: bool = False
    untrusted: bool = False
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def with_overrides(self, **values: Any) -> Config:
        """CLI flags over the file: only values that are not None replace the current ones."""
        given = {k: v for k, v in values.items() if v is not None}
        if not given:
            return self
        sources = dict(self.sources)
        sources.update({key: "command line" for key in given})
        return dataclasses.replace(self, **given, sources=sources)


def _strings(value: Any, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{where}: `{key}` must be a list of strings")


def _per_file_ignores(value: Any, key: str, where: str
                      ) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: `{key}` must be a table of globs to lists of rule codes, "
                          'like {"tests/**" = ["bandit:B101"]}')
    return tuple((str(glob), _strings(codes, f"{key}.{glob}", where))
                 for glob, codes in value.items())


def _choice(allowed: tuple[str, ...]) -> Any:
    def convert(value: Any, key: str, where: str) -> str:
        if value not in allowed:
            raise ConfigError(f"{where}: `{key}` must be one of {', '.join(allowed)}, not {value!r}")
        return str(value)
    return convert


def _typed(kind: type) -> Any:
    def convert(value: Any, key: str, where: str) -> Any:
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"{where}: `{key}` must be a {kind.__name__}, not {value!r}")
        return value
    return convert


def _categories(value: Any, key: str, where: str) -> tuple[Category, ...]:
    names = _strings(value, key, where)
    known = [c.value for c in Category]
    bad = [n for n in names if n not in known]
    if bad:
        raise ConfigError(f"{where}: `{key}` has unknown categories {bad}; known: {', '.join(known)}")
    return tuple(Category(n) for n in names)


def _analyzers(value: Any, key: str, where: str) -> tuple[str, ...]:
    names = _strings(value, key, where)
    bad = [n for n in names if n not in ANALYZER_NAMES]
    if bad:
        raise ConfigError(f"{where}: `{key}` has unknown analyzers {bad}; known: "
                          f"{', '.join(ANALYZER_NAMES)}")
    return names


def _priority(value: Any, key: str, where: str) -> Priority:
    try:
        return Priority(str(value).upper())
    except ValueError:
        raise ConfigError(f"{where}: `{key}` must be one of P0, P1, P2, P3, not {value!r}") from None


def _positive_int(value: Any, key: str, where: str) -> int:
    number = _typed(int)(value, key, where)
    if number < 1:
        raise ConfigError(f"{where}: `{key}` must be at least 1, not {number}")
    return int(number)


def _positive_float(value: Any, key: str, where: str) -> float:
    number = _typed(float)(value, key, where)
    if not number > 0:
        raise ConfigError(f"{where}: `{key}` must be a positive number of seconds, not {value!r}")
    return float(number)


def _jobs(value: Any, key: str, where: str) -> int:
    number = _typed(int)(value, key, where)
    if not 1 <= number <= MAX_JOBS:
        raise ConfigError(f"{where}: `{key}` must be between 1 and {MAX_JOBS}, not {number}")
    return int(number)


# TOML key -> (Config field, converter)
KEYS: dict[str, tuple[str, Any]] = {
    "exclude": ("exclude", _strings),
    "select": ("select", _strings),
    "ignore": ("ignore", _strings),
    "per-file-ignores": ("per_file_ignores", _per_file_ignores),
    "categories": ("categories", _categories),
    "analyzers": ("analyzers", _analyzers),
    "fail-on": ("fail_on", _priority),
    "format": ("output_format", _choice(("text", "json", "sarif", "github"))),
    "test-command": ("test_command", _typed(str)),
    "test-timeout": ("test_timeout", _positive_float),
    "jobs": ("jobs", _jobs),
    "python": ("python", _typed(str)),
    "max-file-size": ("max_file_size", _positive_int),
    "unsafe-fixes": ("unsafe_fixes", _typed(bool)),
    "skip-missing": ("skip_missing", _typed(bool)),
    "side-effect-imports": ("side_effect_imports", _strings),
    "requests-timeout": ("requests_timeout", _positive_int),
    "none-guard": ("none_guard", _choice(("raise", "assert"))),
    "auto-apply-confidence": ("auto_apply_confidence", _typed(float)),
    "circuit-breaker": ("circuit_breaker", _positive_int),
    "max-iterations": ("max_iterations", _positive_int),
    "batch-size": ("batch_size", _positive_int),
    "verify": ("verify_mode", _choice(("affected", "full", "imports"))),
}


def load_config(repo: Path) -> Config:
    """Read `[tool.heal]` from `repo/pyproject.toml`; defaults when there is none."""
    path = repo / "pyproject.toml"
    if not path.is_file():
        return Config()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path.name}: not valid TOML ({error}); fix the file and rerun") from None
    table = document.get("tool", {}).get("heal", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path.name}: [tool.heal] must be a table")
    return parse_table(table, f"{path.name} [tool.heal]")


LLM_KEYS: dict[str, tuple[str, Any]] = {
    "base-url": ("base_url", _typed(str)),
    "model": ("model", _typed(str)),
    "api-key-env": ("api_key_env", _typed(str)),
    "max-concurrency": ("max_concurrency", _positive_int),
    "max-requests": ("max_requests", _positive_int),
    "timeout": ("timeout", _typed(float)),
}


def parse_llm(table: Any, where: str) -> LLMConfig:
    """`[tool.heal.llm]`, every key checked; a problem is one line naming the key."""
    where = f"{where.removesuffix(' [tool.heal]')} [tool.heal.llm]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: must be a table with base-url and model")
    unknown = sorted(set(table) - set(LLM_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key `{unknown[0]}`; known keys: {', '.join(LLM_KEYS)}")
    values = {LLM_KEYS[key][0]: LLM_KEYS[key][1](raw, key, where) for key, raw in table.items()}
    for key in ("base-url", "model"):
        if not str(values.get(LLM_KEYS[key][0], "")).strip():
            raise ConfigError(f"{where}: `{key}` is required (e.g. base-url = "
                              "\"http://127.0.0.1:11434/v1\", model = \"qwen2.5-coder\")")
    if not str(values["base_url"]).startswith(("http://", "https://")):
        raise ConfigError(f"{where}: `base-url` must start with http:// or https://, "
                          f"not {values['base_url']!r}")
    if values.get("max_concurrency", 1) > MAX_LLM_CONCURRENCY:
        raise ConfigError(f"{where}: `max-concurrency` must be at most {MAX_LLM_CONCURRENCY}, "
                          f"not {values['max_concurrency']}")
    if values.get("timeout", 1.0) <= 0:
        raise ConfigError(f"{where}: `timeout` must be a number of seconds above 0")
    return LLMConfig(**values)


def parse_table(table: dict[str, Any], where: str) -> Config:
    table = dict(table)
    llm = parse_llm(table.pop("llm"), where) if "llm" in table else None
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key `{unknown[0]}`; known keys: {', '.join(KEYS)}")
    values: dict[str, Any] = {}
    for key, raw in table.items():
        name, convert = KEYS[key]
        values[name] = convert(raw, key, where)
    if "auto_apply_confidence" in values and not 0.0 <= values["auto_apply_confidence"] <= 1.0:
        raise ConfigError(f"{where}: `auto-apply-confidence` must be between 0 and 1")
    sources = {name: "pyproject.toml" for name in values}
    if llm is not None:
        values["llm"] = llm
        sources["llm"] = "pyproject.toml"
    return Config(**values, sources=sources)


def describe(config: Config) -> list[tuple[str, str, str]]:
    """(key, value, source) rows for `heal debug`."""
    rows = []
    for key, (name, _) in KEYS.items():
        value = getattr(config, name)
        if name == "per_file_ignores":
            shown = "; ".join(f"{glob}: {', '.join(codes)}" for glob, codes in value)
        elif isinstance(value, tuple):
            shown = ", ".join(v.value if isinstance(v, Category) else str(v) for v in value)
        elif isinstance(value, Priority):
            shown = value.value
        else:
            shown = str(value)
        rows.append((key, shown or "-", config.sources.get(name, "default")))
    llm = config.llm
    rows.append(("llm", f"{llm.model} at {llm.base_url}" if llm else "off",
                 config.sources.get("llm", "default")))
    return rows


def project_python(root: Path, config: Config) -> str:
    """The interpreter the project runs on: `python` from config, its .venv/venv, the active
    VIRTUAL_ENV, else the interpreter heal runs on."""
    if config.python:
        candidate = Path(config.python)
        return str(candidate if candidate.is_absolute() else root / candidate)
    bindir = "Scripts" if os.name == "nt" else "bin"
    exe = "python.exe" if os.name == "nt" else "python"
    for folder in (root / ".venv", root / "venv"):
        if (folder / bindir / exe).exists():
            return str(folder / bindir / exe)
    active = os.environ.get("VIRTUAL_ENV")
    if active and (Path(active) / bindir / exe).exists():
        return str(Path(active) / bindir / exe)
    return sys.executable


def pyproject(root: Path) -> dict[str, Any]:
    """`root/pyproject.toml` as data, for reading other tools' settings; empty when there is
    none or it does not parse (`load_config` reports a broken file)."""
    path = root / "pyproject.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return {}


def project_target(root: Path) -> tuple[int, int]:
    """The oldest Python the project supports, from ruff's target-version, mypy's
    python_version or `requires-python`; (3, 10) when none says."""
    document = pyproject(root)
    tool = document.get("tool", {})
    ruff = str(tool.get("ruff", {}).get("target-version", ""))
    if ruff.startswith("py") and ruff[2:].isdigit():
        return (int(ruff[2]), int(ruff[3:]))
    mypy = str(tool.get("mypy", {}).get("python_version", ""))
    if mypy.count(".") == 1 and all(part.isdigit() for part in mypy.split(".")):
        major, minor = mypy.split(".")
        return (int(major), int(minor))
    requires = str(document.get("project", {}).get("requires-python", ""))
    match = re.search(r">=?\s*(\d+)\.(\d+)", requires)
    if match:
        return (int(match.group(1)), int(match.group(2)))
    return (3, 10)
