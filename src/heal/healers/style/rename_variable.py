"""STY101: variables named against pep8-naming (N806, N816) renamed with scope analysis."""

from __future__ import annotations

from heal.cases import Invalid, Valid
from heal.healers.style._analysis import is_not_mixed, snake_case, upper_case
from heal.healers.style._naming import Renamer
from heal.model import Category, Safety


class RenameVariable(Renamer):
    """A variable named against the convention, renamed with every use in its scope.

    ## What it does
    Renames a variable that pep8-naming flags: an uppercase or mixedCase variable in a function
    (`N806`, to `snake_case`) or a mixedCase variable at module level (`N816`, to `snake_case`,
    or to `UPPER_CASE` when it is a constant: assigned once, at module level, to a literal).
    libcst's scope analysis finds the binding and every reference to it in its scope (nested
    functions and comprehensions included), so only that variable changes.

    It declines, with the reason, when the new name already exists in the scope or would shadow
    a builtin, when the code reads variables by name (`locals()`, `vars()`, `eval`, `exec`,
    `globals()`, `sys.modules`), when a string spells the name (a `format(**locals())`
    template, `__all__`, `getattr`), when a string annotation refers to it, when a nested
    function declares it `nonlocal`, and, for public module-level names, when another file of
    the project uses it (code outside the project may too: that rename is yours). A private
    module-level variable that other files of the run import is renamed there as well, in the
    same fix, unless one of them mentions it in a way heal cannot follow.

    ## Why is this bad?
    PEP 8 names variables in `snake_case` and constants in `UPPER_CASE`; a `CamelCase` local
    reads as a class and a `mixedCase` global as code ported from another language. Renaming by
    hand across a long function is tedious and easy to get half right.

    ## Example
    ```python
    def total(values):
        runningSum = 0
        for value in values:
            runningSum += value
        return runningSum
    ```
    Use instead:
    ```python
    def total(values):
        running_sum = 0
        for value in values:
            running_sum += value
        return running_sum
    ```

    ## Fix safety
    Safe for variables of a function and for private (`_name`) module-level variables no
    other project file mentions: nothing outside the scope can see them, and every dynamic
    way in that the file shows makes heal decline. A public module-level variable is
    review-level: code outside the project may import it by its old name.
    """

    CODE = "STY101"
    NAME = "rename-variable"
    CATEGORY = Category.STYLE
    RULES = ("ruff:N806", "ruff:N816")
    SAFETY = Safety.SAFE
    VALID = [
        Valid("""
            def total(values):
                running_sum = 0
                for value in values:
                    running_sum += value
                return running_sum
            """),
    ]
    INVALID = [
        Invalid("""
            def total(values):
                runningSum = 0
                for value in values:
                    runningSum += value
                return runningSum
            """, expected="""
            def total(values):
                running_sum = 0
                for value in values:
                    running_sum += value
                return running_sum
            """),
        Invalid("""
            _maxSize = 10


            def clamp(value):
                return min(value, _maxSize)
            """, expected="""
            _MAX_SIZE = 10


            def clamp(value):
                return min(value, _MAX_SIZE)
            """),
        Invalid("""
            def scale(points, factor):
                scaledPoints = [p * factor for p in points]
                return [round(p) for p in scaledPoints]
            """, expected="""
            def scale(points, factor):
                scaled_points = [p * factor for p in points]
                return [round(p) for p in scaled_points]
            """),
        # a template reads the variable by name
        Invalid("""
            def greet(name):
                userName = name.title()
                return "hello {userName}".format(**locals())
            """),
        # the new name is taken
        Invalid("""
            def count(items):
                item_count = 0
                itemCount = len(items)
                return itemCount + item_count
            """),
    ]

    def convert(self, old: str, constant: bool) -> str:
        return upper_case(old) if constant else snake_case(old)

    def accept(self, new: str) -> bool:
        return is_not_mixed(new) and new in (new.lower(), new.upper())
