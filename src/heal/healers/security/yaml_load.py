"""SEC101: `yaml.load` becomes `yaml.safe_load` (or loads with `SafeLoader`)."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext, with_imports
from heal.healers.security import _common as c
from heal.model import Category, Declined, Finding, Fix, Safety

# unsafe loader -> its safe twin; the C loaders exist only together with CSafeLoader
SAFE_TWIN = {
    "Loader": "SafeLoader", "FullLoader": "SafeLoader", "UnsafeLoader": "SafeLoader",
    "CLoader": "CSafeLoader", "CFullLoader": "CSafeLoader", "CUnsafeLoader": "CSafeLoader",
}
EXPLICITLY_UNSAFE = ("UnsafeLoader", "CUnsafeLoader")


def _is_yaml_load(context: ModuleContext, call: cst.Call) -> bool:
    return any(n.split(".")[0] == "yaml" and n.endswith(".load")
               for n in c.call_names(context, call))


class YamlSafeLoad(Fixer):
    """Load YAML with the safe loader.

    ## What it does
    Rewrites `yaml.load(data)` to `yaml.safe_load(data)`, and `yaml.load(data,
    Loader=yaml.Loader)` (or `FullLoader`, `UnsafeLoader`, and their C twins) to
    `Loader=yaml.SafeLoader` (`CSafeLoader`). `from yaml import load` callers get `safe_load`.

    ## Why is this bad?
    PyYAML's full loaders build arbitrary Python objects from tags such as
    `!!python/object/apply:os.system`, so loading an untrusted document runs code. The safe
    loader builds only plain data: dicts, lists, strings, numbers, dates.

    ## Example
    ```python
    config = yaml.load(text)
    ```
    becomes
    ```python
    config = yaml.safe_load(text)
    ```

    ## Fix safety
    Safe: without a `Loader` the call fails on PyYAML 6 and warns on 5.x, and configuration
    files are plain data, which loads the same with the safe loader; a document that really
    carries Python tags now raises, which the project's tests show. An explicit
    `UnsafeLoader` is review-level (someone asked for objects). Custom loaders (they may add
    constructors), `BaseLoader` (already safe, but it loads everything as strings) and
    `**kwargs` that may carry a loader are declined.
    """

    CODE = "SEC101"
    NAME = "yaml-safe-load"
    CATEGORY = Category.SECURITY
    RULES = ("bandit:B506",)
    SAFETY = Safety.SAFE
    VALID = [Valid("""
        import yaml


        def read(text):
            return yaml.safe_load(text)
        """)]
    INVALID = [
        Invalid("""
            import yaml


            def read(text):
                return yaml.load(text)  # settings
            """, expected="""
            import yaml


            def read(text):
                return yaml.safe_load(text)  # settings
            """),
        Invalid("""
            import yaml


            def read(path):
                with open(path) as stream:
                    return yaml.load(stream, Loader=yaml.FullLoader)
            """, expected="""
            import yaml


            def read(path):
                with open(path) as stream:
                    return yaml.load(stream, Loader=yaml.SafeLoader)
            """),
        Invalid("""
            import yaml
            from yaml import Loader


            def read(text):
                return yaml.load(text, Loader)
            """, expected="""
            import yaml


            def read(text):
                return yaml.load(text, yaml.SafeLoader)
            """),
        Invalid("""
            import yaml

            from .loaders import TaggedLoader


            def read(text):
                return yaml.load(text, Loader=TaggedLoader)
            """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        accepted = c.suppressed(context, finding)
        if accepted:
            return self.decline(finding, accepted)
        call = c.located_call(context, finding, lambda n: _is_yaml_load(context, n))
        if call is None:
            return self.decline(finding, "no yaml.load call at the reported position")
        if c.has_any_star(call):
            return self.decline(finding, "*args/**kwargs may carry a Loader heal cannot see")
        loader = c.keyword(call, "Loader")
        args = c.positional(call)
        if loader is None and len(args) >= 2:
            loader = args[1]
        if loader is None:
            return self._safe_load(finding, context, call)
        return self._safe_loader(finding, context, call, loader)

    def _safe_load(self, finding: Finding, context: ModuleContext, call: cst.Call
                   ) -> Fix | Declined | None:
        remove: list[tuple[str, str | None]] = []
        if isinstance(call.func, cst.Attribute):
            new = call.with_changes(func=call.func.with_changes(attr=cst.Name("safe_load")))
            imports: list[tuple[str, str | None]] = []
        elif isinstance(call.func, cst.Name):
            ref = c.name_ref(context, call, "yaml", "safe_load")
            if ref is None:
                return self.decline(finding, "the name safe_load is taken in this module")
            new = call.with_changes(func=ref.expr())
            imports = list(ref.imports)
            remove = [("yaml", call.func.value)]
        else:
            return self.decline(finding, "yaml.load is called through an expression")
        text = c.replace_nodes(context, {call: new})
        if text is None:
            return self.decline(finding, c.LOSES_COMMENT)
        text = with_imports(text, add=imports, remove=remove)
        return self.fix_from_text(finding, context, text, "load YAML with yaml.safe_load")

    def _safe_loader(self, finding: Finding, context: ModuleContext, call: cst.Call,
                     loader: cst.Arg) -> Fix | Declined | None:
        names = {n for n in c.qualified_names(context, loader.value)
                 if n.split(".")[0] == "yaml"}
        leaf = next(iter(sorted(n.rsplit(".", 1)[-1] for n in names)), "")
        if leaf not in SAFE_TWIN:
            what = "BaseLoader is already safe (it loads only strings)" if leaf == "BaseLoader" \
                else "the Loader is not one of PyYAML's own; it may add constructors"
            return self.decline(finding, what)
        twin = SAFE_TWIN[leaf]
        imports: list[tuple[str, str | None]] = []
        value = loader.value
        if isinstance(value, cst.Attribute):
            new_value: cst.BaseExpression = value.with_changes(attr=cst.Name(twin))
        else:
            ref = c.name_ref(context, call, "yaml", twin)
            if ref is None:
                return self.decline(finding, f"the name {twin} is taken in this module")
            new_value = ref.expr()
            imports = list(ref.imports)
        new = c.replace_arg_value(call, loader, new_value)
        remove = [("yaml", value.value)] if isinstance(value, cst.Name) else []
        text = c.replace_nodes(context, {call: new})
        if text is None:
            return self.decline(finding, c.LOSES_COMMENT)
        text = with_imports(text, add=imports, remove=remove)
        if leaf in EXPLICITLY_UNSAFE:
            return self.fix_from_text(
                finding, context, text, f"load YAML with {twin}", safety=Safety.REVIEW,
                rationale=f"the code asked for {leaf} explicitly; confirm no document needs "
                          "Python object tags")
        return self.fix_from_text(finding, context, text, f"load YAML with {twin}")
