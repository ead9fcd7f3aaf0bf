"""STY103: functions and methods named against pep8-naming (N802) renamed."""

from __future__ import annotations

from heal.cases import Invalid, Valid
from heal.healers.style._naming import Renamer
from heal.model import Category, Safety


class RenameFunction(Renamer):
    """A function or method named against the convention, renamed with its uses in the file.

    ## What it does
    Renames a function that pep8-naming flags (`N802`: not lowercase) to `snake_case`. A
    function's calls are found by libcst's scope analysis. A method's are attributes, which
    scope analysis cannot follow, so heal renames a method only when every `x.name` in the file
    is `self.name` / `cls.name` inside the class (or a subclass in the file) or
    `Class.name`, and the class's bases are all defined in the file.

    It never renames a method that may override one of a base class defined elsewhere (the
    `visit_Name` of an `ast.NodeVisitor` is found by its name), a method marked `@override`, a
    name another class of the file also defines, a name reached through a computed
    `getattr(self, "on" + kind)` or spelt in a string, or a public function another project
    file uses (code outside the project may import it too: that rename is yours). A private
    module-level function (`_helperFunc`) that other files of the run import is renamed there
    too, in the same fix: the import, its uses, and `module._helperFunc`; any other mention of
    the name in those files (a string such as `mock.patch("pkg.mod._helperFunc")`, a binding of
    its own) declines the whole rename. The one exception to the base-class rule is a
    test method (`testFoo` -> `test_foo`): test runners find it by its prefix, which stays.

    ## Why is this bad?
    PEP 8 names functions and methods in `snake_case`; `camelCase` APIs read as a port from
    another language, and mixed conventions make names hard to guess.

    ## Example
    ```python
    def _computeTotal(values):
        return sum(values)

    print(_computeTotal([1, 2]))
    ```
    Use instead:
    ```python
    def _compute_total(values):
        return sum(values)

    print(_compute_total([1, 2]))
    ```

    ## Fix safety
    Safe for functions nested in a function (undecorated: a decorator may register one by its
    `__name__`). Unsafe for private module-level functions and private methods: the
    function's `__name__` changes (pickles, registries, log records name it), and a private
    method is found by name. Test methods are unsafe too: the test's id changes. Public
    functions and methods are review-level: code outside the project may call them.
    """

    CODE = "STY103"
    NAME = "rename-function"
    CATEGORY = Category.STYLE
    RULES = ("ruff:N802",)
    SAFETY = Safety.UNSAFE
    VALID = [
        Valid("""
            def compute_total(values):
                return sum(values)
            """),
    ]
    INVALID = [
        Invalid("""
            def _computeTotal(values):
                return sum(values)


            print(_computeTotal([1, 2]))
            """, expected="""
            def _compute_total(values):
                return sum(values)


            print(_compute_total([1, 2]))
            """),
        Invalid("""
            class Counter:
                def __init__(self):
                    self.count = 0

                def addOne(self):
                    self.count += 1

                def addTwo(self):
                    self.addOne()
                    self.addOne()
            """, expected="""
            class Counter:
                def __init__(self):
                    self.count = 0

                def add_one(self):
                    self.count += 1

                def add_two(self):
                    self.add_one()
                    self.add_one()
            """),
        # a base class defined elsewhere may call it by name
        Invalid("""
            from events import Listener


            class Printer(Listener):
                def onStart(self):
                    print("start")
            """),
        # a computed getattr finds it
        Invalid("""
            class Handler:
                def handle(self, kind):
                    return getattr(self, "on" + kind)()

                def onStart(self):
                    return 1
            """),
    ]
