"""STY102: parameters named against pep8-naming (N803) renamed with scope analysis."""

from __future__ import annotations

from heal.cases import Invalid, Valid
from heal.healers.style._naming import Renamer
from heal.model import Category, Safety


class RenameArgument(Renamer):
    """A parameter named against the convention, renamed with every use in its function.

    ## What it does
    Renames a parameter that pep8-naming flags (`N803`: not lowercase) to `snake_case`, with
    every reference to it in the function body (nested functions and comprehensions included),
    found by libcst's scope analysis.

    A parameter's name is part of the function's signature: callers may pass it by keyword.
    heal declines when a call in the file passes `oldName=`, when another project file passes
    it by keyword, when the function is decorated (routes, CLI options and fixtures pass
    arguments by name), when it is a pytest test or fixture (pytest passes fixtures by
    parameter name), when the method may override a base class defined elsewhere, and for the
    dynamic cases `rename-variable` declines (`locals()`, a string spelling the name, a clash).

    ## Why is this bad?
    PEP 8 names arguments in `snake_case`; a `mixedCase` parameter makes every call site and
    the body read inconsistently with the rest of the code.

    ## Example
    ```python
    def _area(rectWidth, height):
        return rectWidth * height
    ```
    Use instead:
    ```python
    def _area(rect_width, height):
        return rect_width * height
    ```

    ## Fix safety
    Safe for positional-only parameters and `*args` / `**kwargs`: nobody can name them in a
    call. Unsafe for other parameters of private functions, nested functions and lambdas: no
    call in the project passes the name by keyword, but a caller heal cannot see (a callback, a
    `**kwargs` dict) could. Review-level for parameters of public functions and methods: code
    outside the project may call them with `oldName=`.
    """

    CODE = "STY102"
    NAME = "rename-argument"
    CATEGORY = Category.STYLE
    RULES = ("ruff:N803",)
    SAFETY = Safety.UNSAFE
    VALID = [
        Valid("""
            def area(width, height):
                return width * height
            """),
    ]
    INVALID = [
        Invalid("""
            def area(rectWidth, /, height):
                return rectWidth * height
            """, expected="""
            def area(rect_width, /, height):
                return rect_width * height
            """),
        Invalid("""
            def _area(rectWidth, height):
                return rectWidth * height


            print(_area(2, 3))
            """, expected="""
            def _area(rect_width, height):
                return rect_width * height


            print(_area(2, 3))
            """),
        Invalid("""
            def scale(values, scaleFactor=2):
                return [value * scaleFactor for value in values]
            """, expected="""
            def scale(values, scale_factor=2):
                return [value * scale_factor for value in values]
            """),
        # a caller passes it by keyword
        Invalid("""
            def _area(rectWidth):
                return rectWidth * 2


            print(_area(rectWidth=3))
            """),
        # a fixture is passed by parameter name
        Invalid("""
            def test_area(tmpDir):
                assert tmpDir
            """),
    ]
