"""PERF108: the same deep attribute chain looked up again and again inside one loop."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from heal.cases import Invalid, Valid
from heal.cst import dotted_name
from heal.model import Category, Priority
from heal.rules.base import Detector, ModuleIndex
from heal.rules.scope import walk

MIN_DEPTH = 3  # names in the chain: `a.b.c`
MIN_LOOKUPS = 3




def _prefix(short: str, long: str) -> bool:
    """`a.b` is a prefix of `a.b.c` (and of itself)."""
    return long == short or long.startswith(short + ".")


@dataclass
class _Loop:
    """What one loop body does with names and attribute chains."""

    loads: dict[str, list[cst.Attribute]] = field(default_factory=dict)
    stored_names: set[str] = field(default_factory=set)
    stored_chains: set[str] = field(default_factory=set)
    called: set[str] = field(default_factory=set)  # dotted callees: `self.reload`
    passed: set[str] = field(default_factory=set)  # dotted arguments: `f(self.config)`
    methods: set[str] = field(default_factory=set)  # chains only ever called: `self.out.append`


class RepeatedAttributeLookup(Detector):
    """The same deep attribute chain looked up three or more times in one loop.

    ## What it does
    Flags a `for` / `while` loop whose body (nested loops and comprehensions included, nested
    functions not) loads the same dotted chain of three or more names (`self.config.items`,
    `os.path.join`) at least three times, when nothing in the loop can rebind any link of the
    chain: its root is not assigned (nor the loop's target), no prefix of it is assigned, and,
    unless the root is an imported module, no method is called on a prefix of it and no prefix
    is passed to a function. Reported once per loop, at the first lookup.

    ## Why is this bad?
    Every `a.b.c` is two attribute lookups (dictionary probes, descriptor checks) plus a name
    lookup, repeated on every iteration for a value that does not change. Binding it to a local
    before the loop turns all of that into one fast local-variable load, which matters in hot
    loops, and gives the value a name.

    ## Example
    ```python
    for name in names:
        if os.path.exists(os.path.join(root, name)):
            files.append(os.path.join(root, name, "index"))
    ```
    Use instead:
    ```python
    join = os.path.join
    for name in names:
        if os.path.exists(join(root, name)):
            files.append(join(root, name, "index"))
    ```

    ## Fix safety
    A fix would be review-level: hoisting changes when the lookup happens, so it is wrong if
    something the analysis cannot see (a property, a callee, another thread) rebinds part of
    the chain during the loop.
    """

    CODE = "PERF108"
    NAME = "repeated-attribute-lookup"
    CATEGORY = Category.PERFORMANCE
    PRIORITY = Priority.P2
    MESSAGE = "attribute chain looked up repeatedly in a loop; bind it to a local before the loop"
    VALID = [
        Valid("""
            import os
            join = os.path.join
            for name in names:
                a = join(root, name)
                b = join(root, a)
                c = join(root, b)
        """),
        Valid("""
            import os
            for name in names:
                a = os.path.join(root, name)
                b = os.path.join(root, a)
        """),
        Valid("""
            for node in nodes:
                if node.parent.kind:
                    use(node.parent.kind, node.parent.kind)
        """),
        Valid("""
            class Parser:
                def run(self):
                    while self.state.token:
                        use(self.state.token)
                        use(self.state.token)
                        use(self.state.token)
                        self.advance()
        """),
        Valid("""
            for item in items:
                use(self.config.items)
                use(self.config.items)
                self.config = load()
                use(self.config.items)
        """),
        Valid("""
            for item in items:
                def helper():
                    return self.config.items, self.config.items, self.config.items
        """),
    ]
    INVALID = [
        Invalid("""
            import os
            for name in names:
                a = os.path.join(root, name)
                b = os.path.join(root, a)
                c = os.path.join(root, b)
        """, line=3),
        Invalid("""
            class Renderer:
                def render(self, rows):
                    for row in rows:
                        for key in self.config.items:
                            if key in self.config.items and self.config.items[key]:
                                self.out.append(row)
        """, line=4),
    ]

    def __init__(self, module: cst.Module, index: ModuleIndex | None = None) -> None:
        super().__init__(module, index)
        self.modules: set[str] = set()
        self.reported: set[int] = set()

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            if alias.asname is not None:
                self.modules.add(alias.evaluated_alias or "")
            else:
                self.modules.add(alias.evaluated_name.split(".")[0])

    def visit_For(self, node: cst.For) -> None:
        self._check(node.body, node.target)

    def visit_While(self, node: cst.While) -> None:
        self._check(node.body, None)

    def _check(self, body: cst.CSTNode, target: cst.CSTNode | None) -> None:
        seen = self._scan(body, target)
        best: tuple[tuple[int, int], int, int, str] | None = None  # where, -count, -depth, chain
        first: dict[str, cst.Attribute] = {}
        for chain, lookups in seen.loads.items():
            if all(self._called(lookup) for lookup in lookups):
                seen.methods.add(chain)
            if len(lookups) < MIN_LOOKUPS or not self._stable(chain, seen):
                continue
            first[chain] = lookups[0]
            key = (self._order(lookups[0]), -len(lookups), -chain.count("."), chain)
            if best is None or key < best:
                best = key
        if best is None:
            return
        chain = best[3]
        node = first[chain]
        if id(node) in self.reported:
            return
        self.reported.add(id(node))
        count = len(seen.loads[chain])
        self.report(node, f"`{chain}` is looked up {count} times in this loop; "
                          "bind it to a local before the loop")

    def _order(self, node: cst.CSTNode) -> tuple[int, int]:
        where = self.position(node)
        return (where.start.line, where.start.column)

    def _scan(self, body: cst.CSTNode, target: cst.CSTNode | None) -> _Loop:
        seen = _Loop()
        if target is not None:
            self._note_store(target, seen)
        for node in walk(body, into_scopes=False):
            if isinstance(node, cst.Name) and self.stored(node):
                seen.stored_names.add(node.value)
            elif isinstance(node, cst.Attribute):
                dotted = dotted_name(node)
                if dotted is None:
                    continue
                if self.stored(node):
                    seen.stored_chains.add(dotted)
                parent = self.parent(node)
                if isinstance(parent, cst.Attribute) and parent.value is node:
                    continue  # not the whole chain
                self._note_loads(node, seen)
            elif isinstance(node, cst.Call):
                callee = dotted_name(node.func)
                if callee is not None:
                    seen.called.add(callee)
                for arg in node.args:
                    passed = dotted_name(arg.value)
                    if passed is not None:
                        seen.passed.add(passed)
            elif isinstance(node, (cst.Import, cst.ImportFrom)) and not isinstance(
                    node.names, cst.ImportStar):
                for alias in node.names:
                    seen.stored_names.add((alias.evaluated_alias or alias.evaluated_name)
                                          .split(".")[0])
        return seen

    def _note_store(self, target: cst.CSTNode, seen: _Loop) -> None:
        if isinstance(target, cst.Name):
            seen.stored_names.add(target.value)
        elif isinstance(target, cst.Attribute):
            dotted = dotted_name(target)
            if dotted is not None:
                seen.stored_chains.add(dotted)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._note_store(element.value, seen)
        elif isinstance(target, cst.StarredElement):
            self._note_store(target.value, seen)

    def _note_loads(self, chain: cst.Attribute, seen: _Loop) -> None:
        """Count every prefix of three or more names of a whole chain `a.b.c.d`."""
        node: cst.BaseExpression = chain
        if self.stored(chain):
            node = chain.value  # `a.b.c = v` loads `a.b` only
        while isinstance(node, cst.Attribute):
            dotted = dotted_name(node)
            if dotted is not None and dotted.count(".") + 1 >= MIN_DEPTH:
                seen.loads.setdefault(dotted, []).append(node)
            node = node.value

    def _called(self, node: cst.CSTNode) -> bool:
        parent = self.parent(node)
        return isinstance(parent, cst.Call) and parent.func is node

    def _stable(self, chain: str, seen: _Loop) -> bool:
        """Nothing in the loop can rebind a link of `chain`."""
        parts = chain.split(".")
        root = parts[0]
        if root in seen.stored_names:
            return False
        if any(_prefix(stored, chain) for stored in seen.stored_chains):
            return False
        if root in self.modules:
            return True
        prefixes = {".".join(parts[:k]) for k in range(1, len(parts))}
        if chain in seen.methods:
            # a bound method (`self.out.append`): calls on its own object do not rebind it
            prefixes.discard(".".join(parts[:-1]))
        if any(callee.rsplit(".", 1)[0] in prefixes
               for callee in seen.called if "." in callee and callee != chain):
            return False
        return not any(passed in prefixes for passed in seen.passed)
