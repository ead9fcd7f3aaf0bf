"""STY105: mixedCase class attributes (N815) renamed with their uses in the file."""

from __future__ import annotations

from heal.cases import Invalid, Valid
from heal.healers.style._analysis import is_not_mixed
from heal.healers.style._naming import Renamer
from heal.model import Category, Safety


class RenameClassAttribute(Renamer):
    """A mixedCase class attribute renamed to snake_case with its uses in the file.

    ## What it does
    Renames a class attribute that pep8-naming flags (`N815`: mixedCase in a class body) to
    `snake_case`, with its uses in the class body (scope analysis) and every `self.name`,
    `cls.name` and `Class.name` in the file. Attributes are reached through objects, which
    scope analysis cannot follow, so heal renames only when every `x.name` in the file is one
    of those, the class's bases are all defined in the file, and the class is not decorated.

    It declines for classes with bases defined elsewhere (an `Enum` member, a Django or
    pydantic field, a `TestCase` setting: the name is looked up by the base), for decorated
    classes (a `@dataclass` field is a constructor keyword), when another class of the file
    defines the same name, when attributes are reached by a computed name (`getattr`,
    `__dict__`, `vars`), when a string spells the name, and when another project file uses
    it.

    ## Why is this bad?
    PEP 8 names attributes in `snake_case`; `mixedCase` attributes next to `snake_case` ones
    make an object's interface hard to guess.

    ## Example
    ```python
    class Config:
        maxSize = 10

        def limit(self):
            return self.maxSize
    ```
    Use instead:
    ```python
    class Config:
        max_size = 10

        def limit(self):
            return self.max_size
    ```

    ## Fix safety
    Review-level for public attributes: code outside the project may read `Config.maxSize`.
    Unsafe for private ones (`_cacheSize`): found by name, not by type.
    """

    CODE = "STY105"
    NAME = "rename-class-attribute"
    CATEGORY = Category.STYLE
    RULES = ("ruff:N815",)
    SAFETY = Safety.REVIEW
    VALID = [Valid("class Config:\n    max_size = 10\n")]
    INVALID = [
        Invalid("""
            class Config:
                maxSize = 10

                def limit(self):
                    return self.maxSize


            print(Config.maxSize)
            """, expected="""
            class Config:
                max_size = 10

                def limit(self):
                    return self.max_size


            print(Config.max_size)
            """),
        # a dataclass field is a constructor keyword
        Invalid("""
            from dataclasses import dataclass


            @dataclass
            class Point:
                xPos: int = 0
            """),
        # an Enum looks its members up by name
        Invalid("""
            import enum


            class Color(enum.Enum):
                darkRed = 1
            """),
    ]

    def accept(self, new: str) -> bool:
        return is_not_mixed(new)
