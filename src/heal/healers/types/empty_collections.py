"""TYP105: empty collection literals mypy cannot type get an annotation from their use."""

from __future__ import annotations

import re

import libcst as cst

from heal.cases import Invalid, Valid
from heal.cst import dotted_name
from heal.fixer import Fixer, ModuleContext, with_imports
from heal.healers.types.annotations import enclosing_function, literal_type, names_in
from heal.model import Category, Declined, Finding, Fix, Safety

_MESSAGE = re.compile(r'Need type annotation for "(?P<name>[^"]+)"'
                      r'(?: \(hint: "(?P<hint>.*)"\))?$', re.S)
_EMPTY_CALLS = {"list": "list", "dict": "dict", "set": "set"}
_TYPING = {"list": "List", "dict": "Dict", "set": "Set"}
_ELEMENT_ADDERS = {"append", "add", "appendleft"}
_ITERABLE_ADDERS = {"extend", "update"}
_UNKNOWN = "?"


def empty_kind(value: cst.BaseExpression) -> str | None:
    """`list`, `dict` or `set` when the value is an empty literal or constructor call."""
    if isinstance(value, cst.List) and not value.elements:
        return "list"
    if isinstance(value, cst.Dict) and not value.elements:
        return "dict"
    if isinstance(value, cst.Call) and not value.args and isinstance(value.func, cst.Name):
        return _EMPTY_CALLS.get(value.func.value)
    return None


class _Uses(cst.CSTVisitor):
    """What a scope puts into the collection `key`: element (and value) literal types."""

    def __init__(self, key: str, kind: str) -> None:
        self.key = key
        self.kind = kind
        self.keys: set[str] = set()
        self.values: set[str] = set()
        self._value: cst.BaseExpression | None = None

    def _add(self, types: set[str], node: cst.BaseExpression) -> None:
        types.add(literal_type(node) or _UNKNOWN)

    def _add_display(self, node: cst.BaseExpression) -> None:
        if self.kind == "dict":
            if isinstance(node, cst.Dict):
                for element in node.elements:
                    if isinstance(element, cst.DictElement):
                        self._add(self.keys, element.key)
                        self._add(self.values, element.value)
                    else:
                        self.keys.add(_UNKNOWN)
                return
        elif isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            for item in node.elements:
                if isinstance(item, cst.Element):
                    self._add(self.keys, item.value)
                else:
                    self.keys.add(_UNKNOWN)
            return
        self.keys.add(_UNKNOWN)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and dotted_name(func.value) == self.key):
            return
        method, args = func.attr.value, [a.value for a in node.args]
        if any(a.keyword is not None or a.star for a in node.args):
            self.keys.add(_UNKNOWN)
        elif method in _ELEMENT_ADDERS and len(args) == 1 and self.kind != "dict":
            self._add(self.keys, args[0])
        elif method == "insert" and len(args) == 2 and self.kind == "list":
            self._add(self.keys, args[1])
        elif method in _ITERABLE_ADDERS and len(args) == 1:
            self._add_display(args[0])
        elif method == "setdefault" and len(args) == 2 and self.kind == "dict":
            self._add(self.keys, args[0])
            self._add(self.values, args[1])

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if dotted_name(node.target) == self.key:
            self._add_display(node.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        target = node.target
        if isinstance(target, cst.Subscript) and dotted_name(target.value) == self.key:
            parent_value = self._value
            if self.kind != "dict" or parent_value is None or len(target.slice) != 1 or \
                    not isinstance(target.slice[0].slice, cst.Index):
                self.keys.add(_UNKNOWN)
                return
            self._add(self.keys, target.slice[0].slice.value)
            self._add(self.values, parent_value)

    def visit_Assign(self, node: cst.Assign) -> None:
        self._value = node.value

    def leave_Assign(self, original_node: cst.Assign) -> None:
        self._value = None


def inferred(kind: str, uses: _Uses) -> str | None:
    """`list[int]` from the literals put in, or None when they are missing, mixed or unknown."""
    if len(uses.keys) != 1 or _UNKNOWN in uses.keys:
        return None
    element = next(iter(uses.keys))
    if kind != "dict":
        return f"{kind}[{element}]"
    if len(uses.values) != 1 or _UNKNOWN in uses.values:
        return None
    return f"dict[{element}, {next(iter(uses.values))}]"


class EmptyCollectionAnnotation(Fixer):
    """Annotate an empty list, dict or set that mypy cannot type.

    ## What it does
    Where mypy reports `Need type annotation for "x"` (`var-annotated`) on `x = []`, `{}`,
    `set()`, `list()` or `dict()`, looks at what the same scope puts into `x` (`append`, `add`,
    `insert`, `extend`, `update`, `setdefault`, `x[k] = v`, `x += [...]`; for `self.x` the whole
    class, for a global the whole module). When every value put in is a literal of one type, it
    writes `x: list[int] = []`. When nothing can be inferred but mypy's own hint names a complete
    type, it uses that; otherwise it declines.

    ## Why is this bad?
    mypy cannot tell what an empty collection will hold, so it stops with an error; every later
    use is unchecked until someone states the element type.

    ## Example
    ```python
    def names() -> list[str]:
        found = []
        print(found)
        found.append("a")
        return found
    ```
    becomes
    ```python
    def names() -> list[str]:
        found: list[str] = []
        print(found)
        found.append("a")
        return found
    ```

    ## Fix safety
    Safe when the type comes from literals put into the collection (it is what mypy would infer
    had it seen them first); unsafe when it comes from mypy's hint alone. Annotations do not
    change runtime behaviour either way.
    """

    CODE = "TYP105"
    NAME = "empty-collection-annotation"
    CATEGORY = Category.TYPE
    RULES = ("mypy:var-annotated",)
    SAFETY = Safety.SAFE
    VALID = [Valid("def f() -> list[str]:\n    found: list[str] = []\n    print(found)\n"
                   "    return found\n")]
    INVALID = [
        Invalid("""
            def names() -> list[str]:
                found = []  # the result
                print(found)
                found.append("a")
                found.insert(0, "b")
                return found
        """, expected="""
            def names() -> list[str]:
                found: list[str] = []  # the result
                print(found)
                found.append("a")
                found.insert(0, "b")
                return found
        """),
        Invalid("""
            class Registry:
                def __init__(self) -> None:
                    self.index = {}
                    self.seen = set()

                def add(self) -> None:
                    self.index["a"] = 1.5
                    self.seen.add(b"x")
        """, expected="""
            class Registry:
                def __init__(self) -> None:
                    self.index: dict[str, float] = {}
                    self.seen: set[bytes] = set()

                def add(self) -> None:
                    self.index["a"] = 1.5
                    self.seen.add(b"x")
        """),
        Invalid("""
            CACHE = {}


            def warm() -> None:
                CACHE.update({1: True})
        """, expected="""
            CACHE: dict[int, bool] = {}


            def warm() -> None:
                CACHE.update({1: True})
        """),
        Invalid("""
            def f(xs: list[int]) -> None:
                seen = set()
                print(seen)
                seen.add(xs[0])
        """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        match = _MESSAGE.match(finding.message)
        if match is None:
            return None
        targets = [n for n in context.nodes_at(finding.span, (cst.Name, cst.Attribute))
                   if isinstance(context.parent(n), cst.AssignTarget)]
        if not targets:
            return self.decline(finding, "not a plain assignment; annotate it by hand")
        target = targets[0]
        assert isinstance(target, (cst.Name, cst.Attribute))
        assign = context.parent(context.parent(target) or target)
        if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
            return self.decline(finding, "not a single-target assignment")
        key = dotted_name(target)
        kind = empty_kind(assign.value)
        if key is None or kind is None:
            return self._from_hint(finding, context, assign, target, match.group("hint"))
        scope = self._scope(context, target, key)
        if scope is None:
            return self.decline(finding, "a class attribute: annotate it by hand")
        uses = _Uses(key, kind)
        scope.visit(uses)
        annotation = inferred(kind, uses)
        if annotation is None:
            return self._from_hint(finding, context, assign, target, match.group("hint"))
        imports: list[tuple[str, str | None]] = []
        if context.target < (3, 9):
            annotation = _TYPING[kind] + annotation[len(kind):]
            imports.append(("typing", _TYPING[kind]))
        return self._annotate(finding, context, assign, target, annotation, imports, Safety.SAFE,
                              "from the literals put into it")

    def _scope(self, context: ModuleContext, target: cst.BaseExpression, key: str
               ) -> cst.CSTNode | None:
        function = enclosing_function(context, target)
        if key.startswith("self."):
            if function is None:
                return None
            owner = context.parent(context.parent(function) or function)
            return owner if isinstance(owner, cst.ClassDef) else None
        if "." in key:
            return context.module
        if function is not None:
            return function
        if any(isinstance(a, cst.ClassDef) for a in context.ancestors(target)):
            return None
        return context.module

    def _from_hint(self, finding: Finding, context: ModuleContext, assign: cst.Assign,
                   target: cst.BaseExpression, hint: str | None) -> Fix | Declined:
        reason = "cannot infer the element type from what is put into it"
        if not hint or "<type>" in hint or ":" not in hint:
            return self.decline(finding, reason)
        text = hint.split(":", 1)[1].rsplit("=", 1)[0].strip()
        try:
            annotation = cst.parse_expression(text)
        except cst.ParserSyntaxError:
            return self.decline(finding, reason)
        missing = sorted(set(names_in(annotation)) - context.names)
        if missing:
            return self.decline(finding, f"mypy suggests `{text}`, but {', '.join(missing)} "
                                         "is not imported here")
        return self._annotate(finding, context, assign, target, text, [], Safety.UNSAFE,
                              "as mypy's hint suggests")

    def _annotate(self, finding: Finding, context: ModuleContext, assign: cst.Assign,
                  target: cst.BaseExpression, annotation: str,
                  imports: list[tuple[str, str | None]], safety: Safety, why: str
                  ) -> Fix | Declined:
        assert isinstance(target, (cst.Name, cst.Attribute))
        new = cst.AnnAssign(target=target,
                            annotation=cst.Annotation(cst.parse_expression(annotation)),
                            value=assign.value)
        text = with_imports(context.replace(assign, new), add=imports)
        fix = self.fix_from_text(finding, context, text,
                                 f"annotate `{dotted_name(target)}: {annotation}` {why}", safety)
        return fix if fix is not None else self.decline(finding, "nothing to change")
