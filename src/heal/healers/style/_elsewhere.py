"""A private module-level name renamed in the other project files that import it.

pep8-naming wants `_fetchAll` spelled `_fetch_all`. In its own module the naming fixers rename
every binding and use with libcst's scope analysis; a private name is not an API, but tests and
sibling modules still import it (`from app.db import _fetchAll`). This plans the same rename in
each of those files, against the text the run has for them now, or says why it will not:

- every mention of the old name in the file must be one heal understands: the name imported
  from the defining module (`from app.db import _fetchAll`, relative imports too), each use of
  that import, or an attribute of the module itself (`db._fetchAll` after `from app import db`
  or `import app.db as db`);
- anything else declines: the file binds a name of its own with that spelling, reads
  `x._fetchAll` on something heal cannot tie to the module, spells it in a string (
  `mock.patch("app.db._fetchAll")`, `__all__`), or already uses the new name.

Public names are never renamed across files: code outside the project may import them.
"""

from __future__ import annotations

import libcst as cst

from heal.fixer import ModuleContext
from heal.healers.imports.project import absolute_module, module_name, package_of
from heal.healers.style._analysis import Analysis, analyze
from heal.model import FileEdits, Span, TextEdit


def renamed_elsewhere(context: ModuleContext, users: list[str], old: str,
                      new: str) -> tuple[FileEdits, ...] | str:
    """The edits that rename `old` to `new` in `users` (repo-relative files that mention it),
    or why heal leaves the rename to a human."""
    if context.root is None:
        return f"`{old}` is used in other files and the project root is unknown"
    root = context.root.resolve()
    target = module_name(root, root / context.path)
    renamed: list[FileEdits] = []
    for path in users:
        text = context.others.get(path)
        if text is None:
            return f"`{old}` is used in {path}, which this run does not cover; rename it by hand"
        edits = _rename_in(path, text, package_of(root, path), target, old, new)
        if isinstance(edits, str):
            return f"{path}: {edits}; rename it by hand"
        if edits:
            renamed.append(FileEdits(path, edits))
    return tuple(renamed)


def _rename_in(path: str, text: str, package: str | None, target: str, old: str,
               new: str) -> tuple[TextEdit, ...] | str:
    try:
        analysis = analyze(ModuleContext(path, text))
    except cst.ParserSyntaxError:
        return "it does not parse"
    if analysis.used(new, analysis.module) is not None:
        return f"it already uses `{new}`"
    spelt = analysis.spelt(old, analysis.module)
    if spelt is not None:
        return f"a string at line {spelt} spells `{old}` (mock.patch, __all__?)"
    wanted: list[cst.Name] = []
    imported: list[cst.ImportAlias] = []
    statements: list[cst.ImportFrom] = []
    for statement in analysis.imports:
        if not isinstance(statement, cst.ImportFrom) or isinstance(statement.names,
                                                                   cst.ImportStar) \
                or absolute_module(statement, package) != target:
            continue
        for alias in statement.names:
            if isinstance(alias.name, cst.Name) and alias.name.value == old:
                wanted.append(alias.name)
                imported.append(alias)
                statements.append(statement)
    uses = _uses_of_import(analysis, statements, imported, old)
    if isinstance(uses, str):
        return uses
    wanted += uses
    aliases = _module_aliases(analysis, package, target)
    for attribute in analysis.attributes:
        if attribute.attr.value != old:
            continue
        if analysis.code(attribute.value) not in aliases:
            return (f"`{analysis.code(attribute)}` at line {analysis.line(attribute)} may or may "
                    "not be the renamed name")
        wanted.append(attribute.attr)
    accounted = {id(name) for name in wanted}
    for name in analysis.names:
        if name.value == old and id(name) not in accounted:
            return f"line {analysis.line(name)} has a `{old}` of its own"
    spans = sorted({(p.start.line, p.start.column, p.end.line, p.end.column)
                    for p in (analysis.positions[n] for n in wanted)})
    return tuple(TextEdit(Span.of(*span), new) for span in spans)


def _bound_name(alias: cst.ImportAlias, default: str) -> str:
    """The name an import binds: its `as` name, else `default`."""
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return default


def _module_aliases(analysis: Analysis, package: str | None, target: str) -> set[str]:
    """The expressions that mean the defining module in this file (`db`, `app.db`, ...)."""
    aliases: set[str] = set()
    parent, _, leaf = target.rpartition(".")
    for statement in analysis.imports:
        if isinstance(statement, cst.Import):
            for alias in statement.names:
                dotted = analysis.module.code_for_node(alias.name)
                if dotted == target:
                    aliases.add(_bound_name(alias, dotted))
        elif not isinstance(statement.names, cst.ImportStar) \
                and absolute_module(statement, package) == parent:
            aliases.update(_bound_name(alias, leaf) for alias in statement.names
                           if isinstance(alias.name, cst.Name) and alias.name.value == leaf)
    return aliases


def _uses_of_import(analysis: Analysis, statements: list[cst.ImportFrom],
                    imported: list[cst.ImportAlias], old: str) -> list[cst.Name] | str:
    """Every use of the name the imports bind (an `as` alias binds its own name: no uses)."""
    binding = [s for s in statements if not isinstance(s.names, cst.ImportStar)
               and any(a.asname is None and any(a is i for i in imported) for a in s.names)]
    uses: list[cst.Name] = []
    for scope in analysis.all_scopes:
        for assignment in scope.assignments[old]:
            node = getattr(assignment, "node", None)
            if not any(node is statement for statement in binding):
                return (f"`{old}` is also bound at line {analysis.line(node)}"
                        if isinstance(node, cst.CSTNode) else f"`{old}` is bound another way")
            for access in assignment.references:
                if not isinstance(access.node, cst.Name):
                    return f"`{old}` is used inside a string at line {analysis.line(access.node)}"
                uses.append(access.node)
    return uses
