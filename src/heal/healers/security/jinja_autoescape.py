"""SEC111: jinja2 environments escape HTML (`autoescape=select_autoescape()`)."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext, with_imports
from heal.healers.security import _common as c
from heal.model import Category, Declined, Finding, Fix, Safety

AUTOESCAPE_POSITION = 16  # Environment(block_start_string, ..., finalize, autoescape, ...)


def _is_environment(context: ModuleContext, call: cst.Call) -> bool:
    return any("jinja2" in n.split(".") and n.endswith(".Environment")
               for n in c.call_names(context, call))


class JinjaAutoescape(Fixer):
    """Turn on autoescaping in jinja2 environments.

    ## What it does
    Sets `autoescape=select_autoescape()` on `jinja2.Environment(...)` calls that leave it out
    or pass `autoescape=False`, and imports `select_autoescape` (or uses
    `jinja2.select_autoescape` when the module imports `jinja2`).

    ## Why is this bad?
    Without autoescaping, `{{ comment }}` writes the value into the HTML as is, so a value
    holding `<script>` runs in the reader's browser (cross-site scripting).

    ## Example
    ```python
    env = Environment(loader=FileSystemLoader("templates"))
    ```
    becomes
    ```python
    env = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape())
    ```

    ## Fix safety
    Review: it changes output. `select_autoescape()` escapes templates named `*.html`,
    `*.htm` and `*.xml` and templates built from strings; values that were meant to carry
    markup must now be marked `|safe` or `Markup(...)`, and a text/e-mail template loaded from a
    string gets escaped where it was not. `autoescape=<expression>` (a setting or a function) and
    `**kwargs` that may carry it are declined.
    """

    CODE = "SEC111"
    NAME = "jinja2-autoescape"
    CATEGORY = Category.SECURITY
    RULES = ("bandit:B701",)
    SAFETY = Safety.REVIEW
    VALID = [Valid("""
        from jinja2 import Environment, FileSystemLoader, select_autoescape

        ENV = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape())
        """)]
    INVALID = [
        Invalid("""
            from jinja2 import Environment, FileSystemLoader

            ENV = Environment(loader=FileSystemLoader("templates"))
            """, expected="""
            from jinja2 import select_autoescape, Environment, FileSystemLoader

            ENV = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape())
            """),
        Invalid("""
            import jinja2


            def render(source, **values):
                env = jinja2.Environment(
                    autoescape=False,  # was quicker
                    trim_blocks=True,
                )
                return env.from_string(source).render(**values)
            """, expected="""
            import jinja2


            def render(source, **values):
                env = jinja2.Environment(
                    autoescape=jinja2.select_autoescape(),  # was quicker
                    trim_blocks=True,
                )
                return env.from_string(source).render(**values)
            """),
        Invalid("""
            import jinja2


            def make(options):
                return jinja2.Environment(**options)
            """),
        Invalid("""
            import jinja2


            def make(settings):
                return jinja2.Environment(autoescape=settings.escape)
            """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        accepted = c.suppressed(context, finding)
        if accepted:
            return self.decline(finding, accepted)
        call = c.located_call(context, finding, lambda n: _is_environment(context, n))
        if call is None:
            return self.decline(finding, "no jinja2.Environment call at the reported position")
        current = c.keyword(call, "autoescape")
        if current is not None and not (isinstance(current.value, cst.Name)
                                        and current.value.value == "False"):
            return self.decline(finding, "autoescape is set from an expression heal cannot "
                                         "judge (a setting or a function)")
        if current is None and (c.has_any_star(call)
                                or len(c.positional(call)) > AUTOESCAPE_POSITION):
            return self.decline(finding, "*args/**kwargs may already set autoescape")
        ref = c.name_ref(context, call, "jinja2", "select_autoescape")
        if ref is None:
            return self.decline(finding, "the name select_autoescape is taken in this module")
        value = cst.Call(func=ref.expr())
        if current is not None:
            new = c.replace_arg_value(call, current, value)
        else:
            new = c.append_arg(call, cst.Arg(
                keyword=cst.Name("autoescape"), value=value,
                equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                      whitespace_after=cst.SimpleWhitespace(""))))
        text = c.replace_nodes(context, {call: new})
        if text is None:
            return self.decline(finding, c.LOSES_COMMENT)
        text = with_imports(text, add=ref.imports)
        return self.fix_from_text(
            finding, context, text, "autoescape HTML/XML templates (select_autoescape())",
            rationale="autoescaping changes the output of HTML/XML and string templates: values "
                      "that carry markup on purpose need |safe or Markup()")
