"""What the naming fixers share: the naming conventions, and renames planned with libcst's scope
analysis.

`plan_rename(finding, context, convert, accept)` finds the name a pep8-naming finding points at,
the scope that binds it (libcst `ScopeProvider`), every binding and reference of it there, and
either returns a `Rename` (the `Name` nodes to rewrite, a safety level and why) or the reason it
will not rename: the name is read dynamically (`locals()`, `globals()`, `getattr` with a computed
name, a string that spells it), the new name exists already or shadows a builtin, a caller may
pass it by keyword, it may override a base class's method, or another project file uses it and
it is public. A private module-level name used in other files is renamed there too
(`_elsewhere.py`), in the same fix.

Names bound in a class body (methods, class attributes) are reached through attributes, which
scope analysis cannot follow: they are renamed only when every `x.name` in the file is
`self.name` / `cls.name` inside the class (or a subclass in the file) or `Class.name`, and the
class's bases are all defined in the file.
"""

from __future__ import annotations

import hashlib
import keyword
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import (
    BaseAssignment,
    ClassScope,
    GlobalScope,
    Scope,
)
from libcst.metadata.scope_provider import LocalScope

from heal.fixer import Fixer, ModuleContext
from heal.healers.style._analysis import (
    BUILTINS,
    LOCAL_DYNAMIC,
    MODULE_DYNAMIC,
    TEST_FILE,
    Analysis,
    analyze,
    is_lower,
    node_of,
    snake_case,
    users,
)
from heal.healers.style._elsewhere import renamed_elsewhere
from heal.model import Declined, FileEdits, Finding, Fix, Safety, Span, TextEdit


def _listed(paths: Sequence[str]) -> str:
    return ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")


# -- renames ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rename:
    old: str
    new: str
    kind: str  # "local variable", "parameter", "function", "method", "class", ...
    nodes: tuple[cst.Name, ...]
    safety: Safety
    rationale: str
    analysis: Analysis
    also: tuple[FileEdits, ...] = ()  # the same rename in the other files that import it

    def edits(self) -> tuple[TextEdit, ...]:
        spans = sorted({(p.start.line, p.start.column, p.end.line, p.end.column)
                        for p in (self.analysis.positions[n] for n in self.nodes)})
        return tuple(TextEdit(Span.of(*span), self.new) for span in spans)


Convert = Callable[[str, bool], str]  # (old name, is a module-level constant) -> new name




def _scope_node(scope: Scope, analysis: Analysis) -> cst.CSTNode:
    """The node a scope covers (the module for the global scope)."""
    return scope.node if isinstance(scope, LocalScope) else analysis.module


def _identifier(node: cst.CSTNode) -> cst.Name | None:
    if isinstance(node, cst.Name):
        return node
    if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Param)):
        return node.name
    return None


def _problem_with(old: str, new: str, accept: Callable[[str], bool]) -> str | None:
    if not new or new == old or not new.isidentifier() or not accept(new):
        return f"no conventional spelling of `{old}` found; rename it by hand"
    if keyword.iskeyword(new) or keyword.issoftkeyword(new):
        return f"`{old}` would become the keyword `{new}`; rename it by hand"
    if new in BUILTINS:
        return f"`{old}` would become `{new}`, shadowing the builtin; rename it by hand"
    if new.startswith("__") and new.endswith("__"):
        return f"`{old}` would become the dunder name `{new}`; rename it by hand"
    return None


def _binding_scope(analysis: Analysis, binding: cst.CSTNode, name: str
                   ) -> tuple[Scope, BaseAssignment] | None:
    for scope in analysis.all_scopes:
        for assignment in scope.assignments[name]:
            if node_of(assignment) is binding:
                return scope, assignment
    return None


def _is_constant(analysis: Analysis, assignments: Sequence[BaseAssignment]) -> bool:
    """A module-level name assigned once, at module level, to a literal."""
    if len(assignments) != 1:
        return False
    node = node_of(assignments[0])
    target = analysis.parent(node) if node is not None else None
    statement = analysis.parent(target) if isinstance(target, cst.AssignTarget) else target
    if not isinstance(statement, (cst.Assign, cst.AnnAssign)) or statement.value is None:
        return False
    line = analysis.parent(statement)
    if not (isinstance(line, cst.SimpleStatementLine) and isinstance(analysis.parent(line),
                                                                      cst.Module)):
        return False
    return _literal(statement.value)


def _literal(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString,
                         cst.ConcatenatedString)):
        return True
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None")
    if isinstance(node, cst.UnaryOperation):
        return _literal(node.expression)
    if isinstance(node, (cst.Tuple, cst.Set)) or (isinstance(node, cst.Call) and isinstance(
            node.func, cst.Name) and node.func.value == "frozenset"):
        elements = node.elements if not isinstance(node, cst.Call) else []
        return all(isinstance(e, cst.Element) and _literal(e.value) for e in elements)
    return False


def plan_rename(finding: Finding, context: ModuleContext, convert: Convert,
                accept: Callable[[str], bool]) -> Rename | str:
    """The rename that heals a naming finding, or why there is none."""
    start, end = finding.span.start, finding.span.end
    lines = context.text.splitlines()
    spelt = re.search(r"\w+", lines[start.line - 1][start.column:end.column if end.line == start.line
                                                    else None]) if start.line <= len(lines) else None
    if spelt is not None and all(_problem_with(spelt[0], convert(spelt[0], constant), accept)
                                 for constant in (False, True)):
        return _problem_with(spelt[0], convert(spelt[0], False), accept) or ""  # no analysis
    analysis = analyze(context)
    name = analysis.name_at(start.line, start.column, end.column if end.line == start.line
                            else start.column + 1)
    if name is None:
        return "no name at the finding's position"
    old = name.value
    parent = analysis.parent(name)
    binding: cst.CSTNode = parent if isinstance(parent, (cst.FunctionDef, cst.ClassDef,
                                                         cst.Param)) else name
    found = _binding_scope(analysis, binding, old)
    if found is None:
        return f"`{old}` is not bound here in a way heal can rename; rename it by hand"
    scope, _ = found
    assignments = list(scope.assignments[old])
    constant = isinstance(scope, GlobalScope) and _is_constant(analysis, assignments)
    new = convert(old, constant)
    problem = _problem_with(old, new, accept)
    if problem is not None:
        return problem
    if isinstance(scope, ClassScope):
        return _class_member(analysis, context, scope, binding, old, new)
    return _scoped(analysis, context, scope, binding, old, new)


def _bindings_and_uses(analysis: Analysis, scope: Scope, old: str) -> list[cst.Name] | str:
    assignments = set(scope.assignments[old])
    nodes: list[cst.Name] = []
    for assignment in assignments:
        node = node_of(assignment)
        identifier = _identifier(node) if node is not None else None
        if node is None or identifier is None:
            where = (f"`{analysis.code(node)[:60]}` at line {analysis.line(node)}"
                     if node is not None else "a construct heal does not follow")
            return f"`{old}` is also bound by {where}; rename it by hand"
        nodes.append(identifier)
        for access in assignment.references:
            if not isinstance(access.node, cst.Name):
                return (f"`{old}` is referenced inside a string (an annotation?) at line "
                        f"{analysis.line(access.node)}; rename it by hand")
            if any(r not in assignments for r in access.referents):
                return (f"a use of `{old}` at line {analysis.line(access.node)} may also mean "
                        "another binding; rename it by hand")
            nodes.append(access.node)
    return nodes


# decorators that neither register a function by name nor call it with named arguments
PLAIN_DECORATORS = frozenset({"staticmethod", "classmethod", "property", "abstractmethod",
                              "setter", "getter", "deleter", "cache", "lru_cache",
                              "cached_property", "wraps", "override"})


def _registers(decorator: cst.Decorator) -> bool:
    """A decorator that may use the function's name or call it with named arguments."""
    target = decorator.decorator
    if isinstance(target, cst.Call):
        target = target.func
    name = target.value if isinstance(target, cst.Name) else (
        target.attr.value if isinstance(target, cst.Attribute) else "")
    return name not in PLAIN_DECORATORS


def _decorated(node: cst.CSTNode) -> bool:
    return isinstance(node, (cst.FunctionDef, cst.ClassDef)) and any(
        _registers(d) for d in node.decorators)


def _scoped(analysis: Analysis, context: ModuleContext, scope: Scope, binding: cst.CSTNode,
            old: str, new: str) -> Rename | str:
    """A name bound in a module, function, lambda or comprehension scope."""
    region = _scope_node(scope, analysis)
    module_level = isinstance(scope, GlobalScope)
    nodes = _bindings_and_uses(analysis, scope, old)
    if isinstance(nodes, str):
        return nodes
    for declaration in analysis.declarations:
        for item in declaration.names:
            if item.name.value != old:
                continue
            if module_level and isinstance(declaration, cst.Global):
                nodes.append(item.name)
            elif not module_level and analysis.inside(declaration, region):
                return (f"`{old}` is declared `{analysis.code(declaration)}` at line "
                        f"{analysis.line(declaration)}; rename it by hand")
    clash = analysis.used(new, region)
    if clash is not None:
        return (f"`{new}` already exists in this scope (line {analysis.line(clash)}); "
                "rename it by hand")
    dynamic = analysis.dynamic_call(MODULE_DYNAMIC if module_level else LOCAL_DYNAMIC, region)
    if dynamic is not None:
        return (f"`{analysis.code(dynamic.func)}()` at line {analysis.line(dynamic)} reaches "
                "names dynamically; rename it by hand")
    if module_level and analysis.sys_modules() is not None:
        return (f"`sys.modules` at line {analysis.sys_modules()} may read module names by "
                "string; rename it by hand")
    spelt = analysis.spelt(old, region)
    if spelt is not None:
        return (f"a string at line {spelt} spells `{old}` (getattr, __all__, a template?); "
                "rename it by hand")
    if isinstance(binding, cst.Param):
        return _parameter(analysis, context, scope, binding, old, new, nodes)
    public = not old.startswith("_")
    also: tuple[FileEdits, ...] = ()
    if module_level:
        others = users(context, old)
        if others and public:
            return (f"`{old}` is public and used in {_listed(others)}; heal renames a name "
                    "across files only when it is private: rename it by hand")
        if others:
            found = renamed_elsewhere(context, others, old, new)
            if isinstance(found, str):
                return found
            also = found
    if isinstance(binding, (cst.FunctionDef, cst.ClassDef)):
        kind = "function" if isinstance(binding, cst.FunctionDef) else "class"
        if module_level and public and _is_test(context, old, new):
            safety, why = Safety.UNSAFE, "the test's id changes (CI selections and skips name it)"
        elif module_level and public:
            safety, why = Safety.REVIEW, (f"public {kind}: code outside the project may import "
                                          f"`{old}`")
        elif module_level:
            safety, why = Safety.UNSAFE, (f"the {kind}'s `__name__` changes (pickles, "
                                          "registries and log records may name it)")
        elif _decorated(binding):
            safety, why = Safety.UNSAFE, (f"a decorator may register the {kind} under its "
                                          "`__name__`")
        else:
            safety, why = Safety.SAFE, ""
        return Rename(old, new, f"{'nested ' if not module_level else ''}{kind}", tuple(nodes),
                      safety, why, analysis, also)
    if module_level:
        if public:
            return Rename(old, new, "module-level variable", tuple(nodes), Safety.REVIEW,
                          f"public name: code outside the project may import `{old}`", analysis)
        return Rename(old, new, "module-level variable", tuple(nodes), Safety.SAFE, "", analysis,
                      also)
    return Rename(old, new, "local variable", tuple(nodes), Safety.SAFE, "", analysis)


def _is_test(context: ModuleContext, old: str, new: str) -> bool:
    """A test function of a test file: pytest finds it by its `test` prefix, which stays."""
    return bool(TEST_FILE.search(context.path)) and old.startswith("test") \
        and new.startswith("test")


def _is_test_function(context: ModuleContext, function: cst.FunctionDef) -> bool:
    return function.name.value.startswith("test") or bool(TEST_FILE.search(context.path)
                                                           and function.decorators)


def _parameter(analysis: Analysis, context: ModuleContext, scope: Scope, param: cst.Param,
               old: str, new: str, nodes: list[cst.Name]) -> Rename | str:
    function = _scope_node(scope, analysis)
    if isinstance(function, (cst.Lambda, cst.FunctionDef)):
        params = function.params
    else:
        return f"`{old}` is not a function's parameter heal can rename; rename it by hand"
    if param in params.posonly_params or param is params.star_arg or param is params.star_kwarg:
        return Rename(old, new, "parameter", tuple(nodes), Safety.SAFE, "", analysis)
    if isinstance(function, cst.Lambda):
        return Rename(old, new, "parameter", tuple(nodes), Safety.UNSAFE,
                      "a caller could pass the lambda's argument by keyword", analysis)
    if any(_registers(d) for d in function.decorators):
        return (f"`{function.name.value}` is decorated: a decorator (a route, a fixture, a CLI "
                f"option) may pass `{old}` by name; rename it by hand")
    if _is_test_function(context, function) or context.path.endswith("conftest.py"):
        return f"pytest passes fixtures to `{function.name.value}` by parameter name; rename by hand"
    call = next((k for k in analysis.keywords if k.keyword is not None
                 and k.keyword.value == old), None)
    if call is not None:
        return (f"a call at line {analysis.line(call)} passes `{old}=` by keyword; rename the "
                "parameter and its callers by hand")
    outer = analysis.scopes.get(function)
    where = function.name.value
    if isinstance(outer, ClassScope):
        cls = _scope_node(outer, analysis)
        assert isinstance(cls, cst.ClassDef)
        base = _foreign_base(analysis, cls)
        if base is not None:
            return (f"`{cls.name.value}.{where}` may override a method of `{base}`, whose "
                    f"signature names `{old}`; rename it by hand")
        public = not where.startswith("_") or (where.startswith("__") and where.endswith("__"))
    elif isinstance(outer, GlobalScope):
        public = not where.startswith("_")
    else:  # a nested function: its callers are in this file, unless it escapes
        return Rename(old, new, "parameter", tuple(nodes), Safety.UNSAFE,
                      "a caller the file does not show could pass it by keyword", analysis)
    others = users(context, old, keyword_only=True)
    if others:
        return (f"`{old}=` is passed by keyword in {_listed(others)}; a fix edits one file: "
                "rename it by hand")
    if public:
        return Rename(old, new, "parameter", tuple(nodes), Safety.REVIEW,
                      f"public function `{where}`: callers may pass `{old}=` by keyword",
                      analysis)
    return Rename(old, new, "parameter", tuple(nodes), Safety.UNSAFE,
                  f"a caller of `{where}` could pass `{old}=` by keyword", analysis)


def _local_classes(analysis: Analysis) -> dict[str, cst.ClassDef]:
    """Module-level classes bound once (so a base spelt by that name is that class)."""
    body = analysis.module.body
    global_scope = next((s for s in analysis.all_scopes if isinstance(s, GlobalScope)), None)
    found = {}
    for statement in body:
        if isinstance(statement, cst.ClassDef) and global_scope is not None and len(
                global_scope.assignments[statement.name.value]) == 1:
            found[statement.name.value] = statement
    return found


def _foreign_base(analysis: Analysis, cls: cst.ClassDef,
                  seen: frozenset[int] = frozenset()) -> str | None:
    """A base (or metaclass) of `cls` not defined in this file, if any."""
    local = _local_classes(analysis)
    for arg in (*cls.bases, *cls.keywords):
        value = arg.value
        if arg.keyword is None and isinstance(value, cst.Name):
            if value.value == "object":
                continue
            base = local.get(value.value)
            if base is not None and id(base) not in seen:
                deeper = _foreign_base(analysis, base, seen | {id(cls)})
                if deeper is None:
                    continue
                return deeper
        return analysis.code(arg)
    return None


def _subclasses(analysis: Analysis, cls: cst.ClassDef) -> list[cst.ClassDef]:
    """`cls` and the classes of the file that derive from it (through classes of the file)."""
    local = _local_classes(analysis)
    family = [cls]
    changed = True
    while changed:
        changed = False
        for candidate in analysis.classes:
            if candidate in family:
                continue
            names = [a.value.value for a in candidate.bases if isinstance(a.value, cst.Name)]
            if any(local.get(n) in family for n in names):
                family.append(candidate)
                changed = True
    return family


def _method_of(analysis: Analysis, node: cst.CSTNode, classes: Sequence[cst.ClassDef]
               ) -> cst.FunctionDef | None:
    """The method (directly in one of `classes`) that `node` is inside of."""
    for ancestor in analysis.ancestors(node):
        if isinstance(ancestor, cst.FunctionDef):
            block = analysis.parent(ancestor)
            owner = analysis.parent(block) if isinstance(block, cst.IndentedBlock) else None
            if owner is not None and any(owner is c for c in classes):
                return ancestor
    return None


def _receiver_is_ours(analysis: Analysis, attribute: cst.Attribute, cls: cst.ClassDef,
                      family: Sequence[cst.ClassDef]) -> bool:
    receiver = attribute.value
    if not isinstance(receiver, cst.Name):
        return False
    referents = analysis.referent_nodes(receiver)
    if referents and all(r is cls for r in referents):
        return True  # Class.name
    method = _method_of(analysis, attribute, family)
    if method is None or any(isinstance(d.decorator, cst.Name)
                             and d.decorator.value == "staticmethod" for d in method.decorators):
        return False
    params = [*method.params.posonly_params, *method.params.params]
    if not params or params[0].name.value != receiver.value:
        return False
    return bool(referents) and all(r is params[0] for r in referents)


def _class_member(analysis: Analysis, context: ModuleContext, scope: Scope,
                  binding: cst.CSTNode, old: str, new: str) -> Rename | str:
    """A method or class attribute: its bindings in the class body plus `self.old`, `cls.old`
    and `Class.old` anywhere in the file."""
    cls = _scope_node(scope, analysis)
    assert isinstance(cls, cst.ClassDef)
    method = isinstance(binding, cst.FunctionDef)
    kind = "method" if method else ("nested class" if isinstance(binding, cst.ClassDef)
                                    else "class attribute")
    test_method = method and old.startswith("test") and new.startswith("test")
    base = _foreign_base(analysis, cls)
    if base is not None and not test_method:
        return (f"class `{cls.name.value}` derives from `{base}`, defined elsewhere: `{old}` may "
                "override (or be looked up by) it; rename it by hand")
    if not method and cls.decorators:
        return (f"class `{cls.name.value}` is decorated (`@{analysis.code(cls.decorators[0].decorator)}`): "
                f"its attributes may be fields; rename `{old}` by hand")
    if isinstance(binding, cst.FunctionDef) and any(
            analysis.code(d.decorator).split(".")[-1] == "override" for d in binding.decorators):
        return f"`{old}` is marked `@override`; rename it with the base class by hand"
    family = _subclasses(analysis, cls)
    for subclass in family[1:]:
        base = None if test_method else _foreign_base(analysis, subclass)
        if base is not None:
            return (f"subclass `{subclass.name.value}` also derives from `{base}`, defined "
                    f"elsewhere, which may define `{old}`; rename it by hand")
    for other in analysis.classes:
        if other is cls:
            continue
        other_scope = next((s for s in analysis.all_scopes
                            if isinstance(s, ClassScope) and _scope_node(s, analysis) is other), None)
        if other_scope is not None and other_scope.assignments[old]:
            return (f"class `{other.name.value}` (line {analysis.line(other)}) also defines "
                    f"`{old}`; rename them together by hand")
    nodes = _bindings_and_uses(analysis, scope, old)
    if isinstance(nodes, str):
        return nodes
    for attribute in analysis.attributes:
        if attribute.attr.value == old:
            if not _receiver_is_ours(analysis, attribute, cls, family):
                return (f"`{analysis.code(attribute)}` at line {analysis.line(attribute)}: heal "
                        f"cannot tell it is `{cls.name.value}`'s; rename it by hand")
            nodes.append(attribute.attr)
        if attribute.attr.value == "__dict__":
            return (f"`{analysis.code(attribute)}` at line {analysis.line(attribute)} reads "
                    "attributes by name; rename it by hand")
    dynamic = analysis.computed_attribute_access() or analysis.dynamic_call(
        frozenset({"vars", "eval", "exec"}), analysis.module)
    if dynamic is not None:
        return (f"`{analysis.code(dynamic)[:60]}` at line {analysis.line(dynamic)} reaches "
                "attributes by a computed name; rename it by hand")
    spelt = analysis.spelt(old, analysis.module)
    if spelt is not None:
        return f"a string at line {spelt} spells `{old}` (getattr?); rename it by hand"
    if scope.assignments[new] or any(a.attr.value == new for a in analysis.attributes) \
            or analysis.used(new, cls) is not None:
        return f"`{new}` already exists on `{cls.name.value}` or in the file; rename it by hand"
    others = users(context, old)
    if others:
        return f"`{old}` is used in {_listed(others)}; a fix edits one file: rename it by hand"
    if test_method:
        return Rename(old, new, "test method", tuple(nodes), Safety.UNSAFE,
                      "the test's id changes (CI selections and skips that name it)", analysis)
    if not old.startswith("_"):
        return Rename(old, new, kind, tuple(nodes), Safety.REVIEW,
                      f"public {kind}: code outside the project may use `{old}`", analysis)
    return Rename(old, new, kind, tuple(nodes), Safety.UNSAFE,
                  f"found by name: `self.{old}` / `{cls.name.value}.{old}` in this file",
                  analysis)


# (fixer, rule, path, digest of the text, line, column, root) -> decline reason or fix parts;
# the planner asks again every round about the findings it could not fix. A rename that also
# edits other files is never kept: those files may have changed since.
_Outcome = str | tuple[tuple[TextEdit, ...], str, Safety, str, tuple[FileEdits, ...]]
_OUTCOMES: dict[tuple[str, str, str, bytes, int, int, str], _Outcome] = {}
CACHED_OUTCOMES = 20_000


class Renamer(Fixer):
    """A naming fixer: the rule's convention, and the rename planned by `plan_rename`."""

    READS_OTHER_FILES = True  # the files that import a private name are renamed too

    def convert(self, old: str, constant: bool) -> str:
        return snake_case(old)

    def accept(self, new: str) -> bool:
        return is_lower(new)

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        key = (self.CODE, finding.rule, context.path,
               hashlib.blake2b(context.text.encode("utf-8", "surrogatepass"),
                               digest_size=16).digest(),
               finding.span.start.line, finding.span.start.column, str(context.root))
        outcome = _OUTCOMES.get(key)
        if outcome is None:
            planned = plan_rename(finding, context, self.convert, self.accept)
            outcome = planned if isinstance(planned, str) else (
                planned.edits(), f"rename {planned.kind} `{planned.old}` to `{planned.new}`"
                + (f" (also in {_listed([o.path for o in planned.also])})" if planned.also
                   else ""), planned.safety, planned.rationale, planned.also)
            if len(_OUTCOMES) >= CACHED_OUTCOMES:
                _OUTCOMES.clear()
            if isinstance(outcome, str) or not outcome[4]:
                _OUTCOMES[key] = outcome
        if isinstance(outcome, str):
            return self.decline(finding, outcome)
        edits, description, safety, rationale, also = outcome
        return self.make_fix(finding, edits, description, safety, rationale, also)
