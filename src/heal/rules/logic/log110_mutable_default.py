"""LOG110: a mutable value (`[]`, `{}`, `set()`, ...) as a parameter default; the fix defaults
it to `None` and creates the value in the body (review)."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import ModuleContext, with_imports
from heal.model import Category, Declined, Finding, Fix, Priority, Safety
from heal.rules.base import Detector, NativeFixer, call_name
from heal.rules.rewrite import names_in, rewrite, variables_in
from heal.rules.scope import parameters, walk

DISPLAYS = (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)
FACTORIES = frozenset({
    "list", "dict", "set", "bytearray",
    "defaultdict", "collections.defaultdict", "OrderedDict", "collections.OrderedDict",
    "deque", "collections.deque", "Counter", "collections.Counter",
})


def mutable(default: cst.BaseExpression | None) -> bool:
    """A list/dict/set display or comprehension, or a container call: what the rule flags."""
    if default is None:
        return False
    return isinstance(default, DISPLAYS) or (
        isinstance(default, cst.Call) and call_name(default) in FACTORIES)


class MutableDefault(Detector):
    """Mutable value used as a parameter default.

    ## What it does
    Flags a parameter of a `def`, `async def` or `lambda` whose default is a list, dict or set
    display or comprehension, or a call to `list()`, `dict()`, `set()`, `bytearray()` or one of
    the `collections` containers (`defaultdict`, `OrderedDict`, `deque`, `Counter`).

    The fix (which also heals ruff's twin B006) changes every such default of the function to
    `None` and adds, at the top of the body (after the docstring), one `if items is None:` /
    `items = <the original default>` per parameter. An annotation `list[int]` becomes
    `list[int] | None` (`Optional[list[int]]`, with the import, for a project that supports
    Python older than 3.10 without `from __future__ import annotations`); a string annotation
    gets the same inside its quotes. The fix is declined for a `lambda` (no body to create the
    value in), and when the default reads a name that means something else inside the
    function: one of its parameters, or (for a method) a name of the class body.

    ## Why is this bad?
    A default is evaluated once, when the function is defined, and the same object is shared by
    every call. Mutating it (appending to a default list, say) leaks state from one call into
    the next, a classic source of bugs that only show up on the second call.

    ## Example
    ```python
    def add(item, items: list[str] = []):
        items.append(item)
        return items
    ```
    Use instead (what the fix writes):
    ```python
    def add(item, items: list[str] | None = None):
        if items is None:
            items = []
        items.append(item)
        return items
    ```

    ## Fix safety
    Review: a caller that passes `None` explicitly now gets the default, code that relied on
    the shared object (a deliberate cache) breaks, and the default expression is evaluated on
    every call instead of once.
    """

    CODE = "LOG110"
    NAME = "mutable-default"
    CATEGORY = Category.LOGIC
    PRIORITY = Priority.P2
    MESSAGE = "mutable default is shared between calls; default to None and create it in the body"
    VALID = [
        Valid("""
            def add(item, items=None, tags=(), name="", frozen=frozenset()):
                pass
        """),
        Valid("""
            def f(data=tuple([1, 2]), limit=len([])):
                pass
        """),
    ]
    INVALID = [
        Invalid("""
            def add(item, items=[]):
                items.append(item)
        """, line=1, expected="""
            def add(item, items=None):
                if items is None:
                    items = []
                items.append(item)
        """),
        Invalid("""
            async def fetch(url, *, headers={}):
                pass
        """, line=1, expected="""
            async def fetch(url, *, headers=None):
                if headers is None:
                    headers = {}
                pass
        """),
        Invalid("""
            key = lambda x, seen=set(): x in seen
        """, line=1),
        Invalid("""
            def count(
                words,
                counts=collections.defaultdict(int),
            ):
                pass
        """, line=3, expected="""
            def count(
                words,
                counts=None,
            ):
                if counts is None:
                    counts = collections.defaultdict(int)
                pass
        """),
        Invalid('''
            def add(item, items: list[int] = [], *, seen={1}, name="x"):
                """Add it."""
                # the list grows
                items.append(item)
                return items
        ''', line=1, expected='''
            def add(item, items: list[int] | None = None, *, seen=None, name="x"):
                """Add it."""
                if items is None:
                    items = []
                if seen is None:
                    seen = {1}
                # the list grows
                items.append(item)
                return items
        '''),
        Invalid("""
            class Counter:
                def count(self, words, counts=collections.defaultdict(int)): return counts
        """, line=2, expected="""
            class Counter:
                def count(self, words, counts=None):
                    if counts is None:
                        counts = collections.defaultdict(int)
                    return counts
        """),
        Invalid("""
            class Registry:
                BASE = {"a": 1}

                def lookup(self, table=dict(BASE)):
                    return table
        """, line=4),
    ]

    def visit_Param(self, node: cst.Param) -> None:
        if mutable(node.default):
            assert node.default is not None
            self.report(node.default)


def _allows_none(annotation: cst.BaseExpression) -> bool:
    if isinstance(annotation, cst.Name):
        return annotation.value in ("None", "Any", "object")
    if isinstance(annotation, cst.BinaryOperation):
        return _allows_none(annotation.left) or _allows_none(annotation.right)
    if isinstance(annotation, cst.Subscript):
        base = annotation.value
        name = base.attr.value if isinstance(base, cst.Attribute) else getattr(base, "value", "")
        return name == "Optional" or (name == "Union" and any(
            isinstance(e.slice, cst.Index) and _allows_none(e.slice.value)
            for e in annotation.slice))
    if isinstance(annotation, cst.Attribute):
        return annotation.attr.value == "Any"
    return False


def _docstring(statement: cst.BaseStatement) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


def _future_annotations(module: cst.Module) -> bool:
    for node in walk(module, into_scopes=False):
        if (isinstance(node, cst.ImportFrom) and isinstance(node.module, cst.Name)
                and node.module.value == "__future__" and not isinstance(node.names, cst.ImportStar)
                and any(alias.evaluated_name == "annotations" for alias in node.names)):
            return True
    return False


def _class_names(cls: cst.ClassDef) -> set[str]:
    """Names bound directly in a class body."""
    names: set[str] = set()
    for node in walk(cls.body, into_scopes=False):
        if isinstance(node, (cst.AssignTarget, cst.AnnAssign, cst.AugAssign)):
            names |= names_in(node.target)
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            names.add(node.name.value)
    return names


class MutableDefaultToNone(NativeFixer):
    RULE = MutableDefault
    NAME = "mutable-default-to-none"
    SAFETY = Safety.REVIEW
    ALSO = ("ruff:B006",)

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        defaults = context.nodes_at(finding.span, (cst.BaseExpression,))
        param = next((p for node in defaults
                      if isinstance(p := context.parent(node), cst.Param) and p.default is node),
                     None)
        if param is None:
            return self.decline(finding, "no parameter default at the reported position")
        function = next((a for a in context.ancestors(param)
                         if isinstance(a, (cst.FunctionDef, cst.Lambda))), None)
        if not isinstance(function, cst.FunctionDef):
            return self.decline(finding, "a lambda has no body to create the value in; make it "
                                         "a def")
        params = parameters(function.params)
        targets = [p for p in params if mutable(p.default)]
        own = {p.name.value for p in params}
        owner = context.parent(context.parent(function) or function)
        class_names = _class_names(owner) if isinstance(owner, cst.ClassDef) else set()
        use_union = context.target >= (3, 10) or _future_annotations(context.module)
        replacements: dict[cst.CSTNode, cst.CSTNode] = {}
        checks: list[cst.BaseStatement] = []
        needs_optional = False
        for target in targets:
            default = target.default
            assert default is not None
            read = variables_in(context, default)
            if read & own:
                return self.decline(finding, f"the default of `{target.name.value}` reads a "
                                             "parameter, which means something else in the body")
            if read & class_names:
                return self.decline(finding, f"the default of `{target.name.value}` reads a name "
                                             "of the class body, which the method cannot see")
            changes: dict[str, object] = {"default": cst.Name("None")}
            if target.annotation is not None:
                annotation = target.annotation.annotation
                if isinstance(annotation, cst.ConcatenatedString) or (
                        isinstance(annotation, cst.SimpleString)
                        and (annotation.prefix or len(annotation.quote) != 1)):
                    return self.decline(finding, "an unusual string annotation; add `| None` by "
                                                 "hand")
                if isinstance(annotation, cst.SimpleString):
                    inner = annotation.raw_value
                    try:
                        parsed = cst.parse_expression(inner)
                    except cst.ParserSyntaxError:
                        return self.decline(finding, "the string annotation does not parse")
                    if not _allows_none(parsed):
                        if not use_union:
                            needs_optional = True
                        text = f"{inner} | None" if use_union else f"Optional[{inner}]"
                        quote = annotation.quote
                        changes["annotation"] = target.annotation.with_changes(
                            annotation=annotation.with_changes(value=f"{quote}{text}{quote}"))
                elif not _allows_none(annotation):
                    if use_union:
                        new: cst.BaseExpression = cst.BinaryOperation(
                            annotation, cst.BitOr(), cst.Name("None"))
                    else:
                        needs_optional = True
                        new = cst.Subscript(cst.Name("Optional"), [cst.SubscriptElement(
                            cst.Index(annotation))])
                    changes["annotation"] = target.annotation.with_changes(annotation=new)
            replacements[target] = target.with_changes(**changes)
            name = target.name.value
            checks.append(cst.If(
                test=cst.Comparison(cst.Name(name), [cst.ComparisonTarget(
                    cst.Is(), cst.Name("None"))]),
                body=cst.IndentedBlock([cst.SimpleStatementLine([cst.Assign(
                    [cst.AssignTarget(cst.Name(name))],
                    default.with_changes(lpar=[], rpar=[]) if len(default.lpar) == 1
                    else default)])])))

        def add_checks(updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.FunctionDef)
            body = updated.body
            if isinstance(body, cst.SimpleStatementSuite):
                line = cst.SimpleStatementLine(list(body.body),
                                               trailing_whitespace=body.trailing_whitespace)
                return updated.with_changes(body=cst.IndentedBlock([*checks, line]))
            assert isinstance(body, cst.IndentedBlock)
            statements = list(body.body)
            at = 1 if statements and _docstring(statements[0]) else 0
            statements[at:at] = checks
            return updated.with_changes(body=body.with_changes(body=statements))

        text = rewrite(context, replacements, {function: add_checks})
        if needs_optional:
            text = with_imports(text, add=[("typing", "Optional")])
        names = ", ".join(f"`{p.name.value}`" for p in targets)
        return self.fix_from_text(finding, context, text,
                                  f"default {names} to None and create the value per call",
                                  rationale="callers passing None now get the default; "
                                            "a shared default used on purpose breaks")
