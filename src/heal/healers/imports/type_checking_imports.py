"""IMP105: imports used only in annotations move under `if TYPE_CHECKING:`."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext, with_imports
from heal.healers.imports.project import tightened
from heal.healers.imports.sorted_imports import imported_modules
from heal.healers.imports.unused_imports import matches, without
from heal.model import Category, Declined, Finding, Fix, Safety

# libraries that read annotations at runtime: a name they need must stay importable
RUNTIME_ANNOTATIONS = ("pydantic", "fastapi", "typer", "sqlalchemy", "sqlmodel", "msgspec",
                       "cattrs", "cattr", "beartype", "typeguard", "strawberry",
                       "dataclasses_json", "marshmallow_dataclass", "ninja", "litestar",
                       "attrs", "attr", "apischema", "dacite", "jsonargparse", "cyclopts")
CASE_CONFIG = """\
[tool.ruff]
target-version = "py310"

[tool.ruff.lint]
select = ["E", "F", "W", "I", "TC"]
"""


def is_type_checking(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Name):
        return node.value == "TYPE_CHECKING"
    return isinstance(node, cst.Attribute) and node.attr.value == "TYPE_CHECKING"


def has_future_annotations(module: cst.Module) -> bool:
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.ImportFrom) and isinstance(small.module, cst.Name) \
                        and small.module.value == "__future__" \
                        and not isinstance(small.names, cst.ImportStar) \
                        and any(a.evaluated_name == "annotations" for a in small.names):
                    return True
    return False


def _is_import_line(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body)


class TypeCheckingImport(Fixer):
    """Move an import that only annotations use under `if TYPE_CHECKING:`.

    ## What it does
    Where ruff reports `Move ... import into a type-checking block` (`TC001` application,
    `TC002` third-party, `TC003` standard library), moves that name's import into the module's
    `if TYPE_CHECKING:` block (created after the import block, with
    `from typing import TYPE_CHECKING`, when there is none), keeping the import's comment. It
    needs `from __future__ import annotations` (ruff only reports then) and declines in modules
    that import a library known to read annotations at runtime (pydantic, FastAPI, typer,
    SQLAlchemy, attrs, ...). When it cannot rewrite the statement itself (several statements on
    one line, an import inside a block) it applies ruff's own edits.

    ## Why is this bad?
    An import needed only by the type checker still runs at import time: it slows start-up,
    pulls in heavy or optional dependencies, and creates import cycles between modules that
    only mention each other's types.

    ## Example
    ```python
    from __future__ import annotations

    from pathlib import Path


    def stem(p: Path) -> str:
        return p.stem
    ```
    becomes
    ```python
    from __future__ import annotations

    from typing import TYPE_CHECKING

    if TYPE_CHECKING:
        from pathlib import Path


    def stem(p: Path) -> str:
        return p.stem
    ```

    ## Fix safety
    Unsafe: anything that evaluates annotations at runtime (`typing.get_type_hints`, pydantic,
    dataclass-like libraries, dependency injection, `singledispatch` on annotations) gets a
    `NameError` once the name is gone at runtime.
    """

    CODE = "IMP105"
    NAME = "type-checking-import"
    CATEGORY = Category.IMPORT
    RULES = ("ruff:TC001", "ruff:TC002", "ruff:TC003")
    SAFETY = Safety.UNSAFE
    CASE_CONFIG = CASE_CONFIG
    VALID = [Valid("from __future__ import annotations\n\nfrom pathlib import Path\n\n"
                   "print(Path.cwd())\n")]
    INVALID = [
        Invalid('''
            """Doc."""

            from __future__ import annotations

            import json
            from pathlib import Path  # paths


            def name(p: Path) -> str:
                return json.dumps(p.name)
        ''', expected='''
            """Doc."""

            from __future__ import annotations

            import json
            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                from pathlib import Path  # paths


            def name(p: Path) -> str:
                return json.dumps(p.name)
        '''),
        Invalid("""
            from __future__ import annotations

            import os
            from collections import OrderedDict
            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                import decimal


            def f(d: OrderedDict[str, int], x: decimal.Decimal) -> str:
                return os.sep
        """, expected="""
            from __future__ import annotations

            import os
            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                import decimal
                from collections import OrderedDict


            def f(d: OrderedDict[str, int], x: decimal.Decimal) -> str:
                return os.sep
        """),
        Invalid("""
            from __future__ import annotations

            from decimal import Decimal

            import pydantic


            class Price(pydantic.BaseModel):
                def double(self, d: Decimal) -> None:
                    print(d)
        """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        runtime = sorted({m.split(".")[0] for m in imported_modules(context.text)
                          if matches(m, RUNTIME_ANNOTATIONS)})
        if runtime:
            return self.decline(finding, f"the module uses {', '.join(runtime)}, which may read "
                                         "annotations at runtime")
        if not has_future_annotations(context.module):
            return self.decline(finding, "annotations are evaluated at runtime here (no "
                                         "`from __future__ import annotations`)")
        aliases = context.nodes_covering(finding.span, (cst.ImportAlias,))
        alias = aliases[0] if aliases else None
        statement = context.parent(alias) if alias is not None else None
        line = context.parent(statement) if statement is not None else None
        if not (isinstance(alias, cst.ImportAlias) and isinstance(statement, (cst.Import, cst.ImportFrom))
                and isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1
                and isinstance(context.parent(line), cst.Module)):
            return self._ruff(finding, context)
        return self._move(finding, context, alias, statement, line)

    def _ruff(self, finding: Finding, context: ModuleContext) -> Fix | Declined:
        if finding.tool_fix is None or finding.tool_fix.applicability == "display-only":
            return self.decline(finding, "not a module-level import statement of its own, and "
                                         "ruff offers no edit")
        return self.make_fix(finding, tightened(context.text, finding.tool_fix.edits),
                             "move the import under "
                             "`if TYPE_CHECKING:` (ruff's edit)")

    def _move(self, finding: Finding, context: ModuleContext, alias: cst.ImportAlias,
              statement: cst.Import | cst.ImportFrom, line: cst.SimpleStatementLine) -> Fix:
        single = alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)
        moved_import: cst.Import | cst.ImportFrom
        if isinstance(statement, cst.Import):
            moved_import = statement.with_changes(names=[single])
        else:
            moved_import = statement.with_changes(names=[single], lpar=None, rpar=None)
        rest = without(statement, alias)
        whole = isinstance(rest, cst.RemovalSentinel)
        moved = cst.SimpleStatementLine(
            body=[moved_import],
            leading_lines=[e for e in line.leading_lines if e.comment is not None] if whole else [],
            trailing_whitespace=line.trailing_whitespace if whole else cst.TrailingWhitespace())
        body: list[cst.BaseStatement] = []
        block_at: int | None = None
        last_import = -1
        for statement_line in context.module.body:
            if statement_line is line:
                if not isinstance(rest, cst.RemovalSentinel):
                    body.append(line.with_changes(body=[rest]))
                    last_import = len(body) - 1
                continue
            body.append(statement_line)
            if isinstance(statement_line, cst.If) and is_type_checking(statement_line.test) \
                    and statement_line.orelse is None and block_at is None \
                    and isinstance(statement_line.body, cst.IndentedBlock):
                block_at = len(body) - 1
            if _is_import_line(statement_line) and block_at is None and \
                    last_import == len(body) - 2:
                last_import = len(body) - 1
            elif last_import == -1 and isinstance(statement_line, cst.SimpleStatementLine) \
                    and all(isinstance(s, cst.Expr) for s in statement_line.body):
                last_import = len(body) - 1  # a docstring before the imports
        imports: list[tuple[str, str | None]] = []
        if block_at is not None:
            block = body[block_at]
            assert isinstance(block, cst.If) and isinstance(block.body, cst.IndentedBlock)
            body[block_at] = block.with_changes(body=block.body.with_changes(
                body=[*block.body.body, moved]))
        else:
            new_block = cst.If(test=cst.Name("TYPE_CHECKING"), body=cst.IndentedBlock([moved]),
                               leading_lines=[cst.EmptyLine()])
            body.insert(last_import + 1, new_block)
            imports.append(("typing", "TYPE_CHECKING"))
        text = with_imports(context.module.with_changes(body=body).code, add=imports)
        name = alias.evaluated_alias or alias.evaluated_name
        fix = self.fix_from_text(finding, context, text,
                                 f"move the import of `{name}` under `if TYPE_CHECKING:`")
        assert fix is not None
        return fix
