"""STY104: classes named against pep8-naming (N801) renamed to CapWords."""

from __future__ import annotations

from heal.cases import Invalid, Valid
from heal.healers.style._analysis import cap_words, is_cap_words
from heal.healers.style._naming import Renamer
from heal.model import Category, Safety


class RenameClass(Renamer):
    """A class named against the convention, renamed to CapWords with its uses in the file.

    ## What it does
    Renames a class that pep8-naming flags (`N801`: not CapWords) to `CapWords`
    (`memoized_property` -> `MemoizedProperty`), with every reference to it in its scope, found
    by libcst's scope analysis. It declines when the new name exists already, when a string
    spells the old one (`__all__`, a string annotation, a registry key), when the module reads
    its names dynamically (`globals()`, `sys.modules`), and when another file of the project
    uses a public class (code outside the project may too: that rename is yours). A private
    class (`_my_class`) that other files of the run import is renamed there as well, in the
    same fix, unless one of them mentions it in a way heal cannot follow (a string, a binding
    of its own).

    ## Why is this bad?
    PEP 8 names classes in `CapWords`, which is how a reader tells `Point(...)` (a class)
    from `point(...)` (a call of a function) at the call site.

    ## Example
    ```python
    class _point_pair:
        pass

    PAIR = _point_pair()
    ```
    Use instead:
    ```python
    class _PointPair:
        pass

    PAIR = _PointPair()
    ```

    ## Fix safety
    Safe for classes defined in a function (undecorated). Unsafe for private module-level
    classes: `__name__` and `__qualname__` change, so pickles and registries that stored the
    old name no longer find it. Public classes are review-level: code outside the project may
    import them by the old name.
    """

    CODE = "STY104"
    NAME = "rename-class"
    CATEGORY = Category.STYLE
    RULES = ("ruff:N801",)
    SAFETY = Safety.UNSAFE
    VALID = [Valid("class Point:\n    pass\n")]
    INVALID = [
        Invalid("""
            class _point_pair:
                pass


            PAIR = _point_pair()
            """, expected="""
            class _PointPair:
                pass


            PAIR = _PointPair()
            """),
        Invalid("""
            class memoized_property:
                def __init__(self, function):
                    self.function = function


            def cached(function):
                return memoized_property(function)
            """, expected="""
            class MemoizedProperty:
                def __init__(self, function):
                    self.function = function


            def cached(function):
                return MemoizedProperty(function)
            """),
        # exported by name
        Invalid("""
            __all__ = ["point"]


            class point:
                pass
            """),
        # the new name is taken
        Invalid("""
            class my_thing:
                pass


            MyThing = my_thing
            """),
    ]

    def convert(self, old: str, constant: bool) -> str:
        return cap_words(old)

    def accept(self, new: str) -> bool:
        return is_cap_words(new)
