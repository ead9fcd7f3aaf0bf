"""PERF107: `len(x)` recomputed in a `while` condition although the loop never changes `x`."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.cst import dotted_name
from heal.model import Category, Priority
from heal.rules.base import SCOPES, Detector
from heal.rules.scope import bindings, walk

MUTATORS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "add", "discard", "update",
    "setdefault", "popitem", "sort", "reverse", "__setitem__", "__delitem__",
    "appendleft", "extendleft", "popleft", "rotate", "write", "truncate",
})
# methods that only read their receiver: calling them keeps `len(x)` the same
READERS = frozenset({
    "get", "count", "index", "rindex", "find", "rfind", "startswith", "endswith", "keys",
    "values", "items", "copy", "isdigit", "isalpha", "isalnum", "isspace", "isupper",
    "islower", "isdecimal", "isnumeric", "isidentifier", "lower", "upper", "strip", "lstrip",
    "rstrip", "split", "rsplit", "splitlines", "partition", "rpartition", "encode", "decode",
    "format", "replace", "join", "issubset", "issuperset", "isdisjoint", "union",
    "intersection", "difference", "symmetric_difference", "__contains__", "__getitem__",
})

PURE_BUILTINS = frozenset({
    "len", "isinstance", "issubclass", "ord", "chr", "int", "str", "float", "bool", "bytes",
    "min", "max", "abs", "range", "enumerate", "repr", "hash", "id", "type", "hex", "oct",
})






def _len_argument(node: cst.CSTNode) -> cst.BaseExpression | None:
    """`x` for a call `len(x)` where `x` is a name or a dotted attribute chain."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Name)
            and node.func.value == "len" and len(node.args) == 1):
        return None
    arg = node.args[0]
    if arg.keyword is not None or arg.star or dotted_name(arg.value) is None:
        return None
    return arg.value


class LenInWhileCondition(Detector):
    """`len(x)` in a `while` condition although the loop never changes `x`.

    ## What it does
    Flags `len(x)` in the condition of a `while` loop when `x` is a name or an attribute chain
    (`self.text`) that the loop leaves alone: inside the condition and body, `x` is only passed
    to `len`, indexed for reading, iterated, compared, or has read-only methods called on it
    (`get`, `count`, `startswith`, ...). It is never reassigned, stored into, deleted from,
    passed to other functions or mutated (`append`, `pop`, `update`, ..., also through a bound
    method taken earlier such as `pop = x.pop`). For an attribute chain, the objects it hangs
    off are not called or passed anywhere in the loop either. A plain name must be a local of
    the enclosing function, and when the function took it from elsewhere (`items = self.items`)
    or hands it out (`Reader(items)`), the loop must not call anything that could reach it.

    ## Why is this bad?
    The condition is evaluated on every iteration, so `len(x)` is looked up and called every
    time although its result cannot change. Computing it once before the loop saves a global
    lookup and a call per iteration in tight scanning loops (tokenizers, parsers) and tells
    the reader that the bound is fixed.

    ## Example
    ```python
    i = 0
    while i < len(text) and text[i].isspace():
        i += 1
    ```
    Use instead:
    ```python
    i = 0
    n = len(text)
    while i < n and text[i].isspace():
        i += 1
    ```

    ## Fix safety
    A fix would be review-level: hoisting is only correct while nothing else (another thread,
    a callee holding the same object, a `__len__` with side effects) changes the length
    during the loop, which a local analysis cannot prove.
    """

    CODE = "PERF107"
    NAME = "len-in-while-condition"
    CATEGORY = Category.PERFORMANCE
    PRIORITY = Priority.P2
    MESSAGE = "len() recomputed on every iteration of the while loop; compute it once before"
    VALID = [
        Valid("""
            def drain(queue):
                while len(queue) > 0:
                    handle(queue.pop())
        """),
        Valid("""
            def fill(buf, n):
                while len(buf) < n:
                    buf += read()
        """),
        Valid("""
            def skip(text, i):
                n = len(text)
                while i < n and text[i] == " ":
                    i += 1
                return i
        """),
        Valid("""
            class Reader:
                def fill(self, n):
                    while len(self.buffer) < n:
                        self.read_more()
        """),
        Valid("""
            def trim(samples):
                popleft = samples.popleft
                while len(samples) > 1000:
                    popleft()
        """),
        Valid("""
            def consume(n):
                buf = []
                reader = Reader(buf)
                while len(buf) < n:
                    reader.read_more()
        """),
        Valid("""
            def grow(items):
                while len(items) < 10:
                    extend_list(items)
        """),
    ]
    INVALID = [
        Invalid("""
            def skip(text, i):
                while i < len(text) and text[i] == " ":
                    i += 1
                return i
        """, line=2),
        Invalid("""
            class Lexer:
                def run(self):
                    while self.pos < len(self.source):
                        char = self.source[self.pos]
                        if char.isdigit():
                            self.tokens.append(char)
                        self.pos += 1
        """, line=3),
    ]

    def visit_While(self, node: cst.While) -> None:
        seen: set[str] = set()
        for call in [node.test, *walk(node.test, into_scopes=False)]:
            target = _len_argument(call)
            if target is None:
                continue
            name = dotted_name(target)
            if name is None or name in seen:
                continue
            seen.add(name)
            if self._unchanged(node, target, name):
                self.report(call, f"`len({name})` is recomputed on every iteration but the "
                                  f"loop never changes `{name}`; compute it once before the loop")

    # -- is x left alone? --------------------------------------------------------------------
    def _unchanged(self, loop: cst.While, target: cst.BaseExpression, name: str) -> bool:
        parts = name.split(".")
        if isinstance(target, cst.Name) and not self._local(loop, name):
            return False
        if self._mutator_taken(loop, name):
            return False
        for region in (loop.test, loop.body):
            for child in walk(region):
                if not (isinstance(child, cst.Name) and child.value == parts[0]):
                    continue
                if self._label(child):
                    continue
                if not self._harmless(child, parts):
                    return False
        return True

    def _local(self, loop: cst.While, name: str) -> bool:
        """`name` is a variable of the enclosing function, never rebound from outside it."""
        scope = self.enclosing_scope(loop)
        if not isinstance(scope, cst.FunctionDef):
            return False
        bound = bindings(scope).get(name, [])
        if not bound or any(isinstance(how, (cst.Global, cst.Nonlocal)) for how in bound):
            return False
        for nested in walk(scope, into_scopes=False):  # a closure could change it
            if isinstance(nested, SCOPES) and any(
                    isinstance(n, cst.Name) and n.value == name for n in walk(nested)):
                return False
        # an alias of an object held elsewhere (`items = self.items`), or one the function
        # hands out (`reader = Reader(items)`), may be changed by any call in the loop
        aliased = any(isinstance(how, (cst.Name, cst.Attribute, cst.Subscript)) for how in bound)
        return not ((aliased or self._escapes(scope, name)) and self._calls_out(loop))

    def _escapes(self, scope: cst.FunctionDef, name: str) -> bool:
        """The function passes `name`'s object on: as an argument, a stored value, ..."""
        for node in walk(scope, into_scopes=False):
            if not (isinstance(node, cst.Name) and node.value == name) or self._label(node):
                continue
            if isinstance(self.parent(node), (cst.Param, cst.Return)) or self.stored(node):
                continue  # returning it ends the function: no loop of it runs afterwards
            if not self._reads(node):
                return True
        return False

    def _calls_out(self, loop: cst.While) -> bool:
        """The loop calls something that might change an object it can reach."""
        for region in (loop.test, loop.body):
            for node in walk(region):
                if not isinstance(node, cst.Call):
                    continue
                func = node.func
                if isinstance(func, cst.Name) and func.value in PURE_BUILTINS:
                    continue
                if isinstance(func, cst.Attribute) and func.attr.value in READERS:
                    continue
                return True
        return False

    def _mutator_taken(self, loop: cst.While, name: str) -> bool:
        """`pop = x.pop` somewhere in the function: the loop may mutate x through `pop()`."""
        for node in walk(self.enclosing_scope(loop)):
            if (isinstance(node, cst.Attribute) and node.attr.value in MUTATORS
                    and dotted_name(node.value) == name and not self._called(node)):
                return True
        return False

    def _harmless(self, root: cst.Name, parts: list[str]) -> bool:
        """Is this use of the chain's root name one that cannot change `len(x)`?"""
        node: cst.CSTNode = root
        depth = 1
        while depth < len(parts):
            parent = self.parent(node)
            if not (isinstance(parent, cst.Attribute) and parent.value is node):
                break
            if parent.attr.value != parts[depth]:
                # a different attribute of a prefix: `self.pos` next to `self.source`
                return not self._called(parent)
            node = parent
            depth += 1
        if depth < len(parts):  # the object holding x, used on its own: `f(self)`, `self = ...`
            return False
        return self._reads(node)

    def _called(self, attribute: cst.Attribute) -> bool:
        """`prefix.method(...)`: a method called directly on an object that holds x."""
        parent = self.parent(attribute)
        return isinstance(parent, cst.Call) and parent.func is attribute

    def _reads(self, node: cst.CSTNode) -> bool:
        """This occurrence of x only reads it."""
        parent = self.parent(node)
        if isinstance(parent, cst.Arg):
            call = self.parent(parent)
            return (isinstance(call, cst.Call) and isinstance(call.func, cst.Name)
                    and call.func.value == "len" and len(call.args) == 1)
        if isinstance(parent, cst.Subscript) and parent.value is node:
            return not self.stored(parent)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            return parent.attr.value in READERS and self._called(parent)
        if isinstance(parent, cst.ComparisonTarget):
            return parent.comparator is node
        if isinstance(parent, cst.Comparison):
            return parent.left is node
        if isinstance(parent, (cst.For, cst.CompFor)):
            return parent.iter is node
        return False

    def _label(self, node: cst.CSTNode) -> bool:
        """True for names that are not variable references (`obj.<name>`, `f(<name>=...)`)."""
        parent = self.parent(node)
        return ((isinstance(parent, cst.Attribute) and parent.attr is node)
                or (isinstance(parent, cst.Arg) and parent.keyword is node))
