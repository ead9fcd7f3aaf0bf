"""SEC105: HTTP calls through requests get a timeout."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext
from heal.healers.security import _common as c
from heal.model import Category, Declined, Finding, Fix, Safety

VERBS = ("get", "options", "head", "post", "put", "patch", "delete")
HTTPX = (*VERBS, "request", "stream", "Client", "AsyncClient")
CALLS = frozenset({f"requests.{v}" for v in VERBS} | {f"requests.api.{v}" for v in VERBS}
                  | {f"httpx.{v}" for v in HTTPX})


def http_call(context: ModuleContext, call: cst.Call) -> bool:
    """`requests.get(...)` and friends (or httpx's), not `requests.codes.get(...)`."""
    return bool(c.call_names(context, call) & CALLS)


class RequestsTimeout(Fixer):
    """Give every HTTP request a timeout.

    ## What it does
    Adds `timeout=<requests-timeout>` (heal's `requests-timeout` setting, 30 seconds by
    default) to `requests.get/post/put/patch/delete/head/options(...)` calls that have none.

    ## Why is this bad?
    requests waits forever by default: a server that accepts the connection and never answers
    hangs the caller (a worker, a cron job, a request handler) until someone kills it, which an
    attacker can use to exhaust workers.

    ## Example
    ```python
    response = requests.get(url, headers=headers)
    ```
    becomes
    ```python
    response = requests.get(url, headers=headers, timeout=30)
    ```

    ## Fix safety
    Safe: the call behaves the same unless the server stalls for longer than the timeout, and
    then it raises `requests.Timeout` instead of hanging. An explicit `timeout=None` is
    replaced as a review-level fix (someone chose to wait forever). Calls with `**kwargs`
    (which may already carry a timeout: adding one would be a duplicate-keyword error) and
    look-alikes such as `requests.codes.get(...)` are declined.
    """

    CODE = "SEC105"
    NAME = "requests-timeout"
    CATEGORY = Category.SECURITY
    RULES = ("bandit:B113",)
    SAFETY = Safety.SAFE
    VALID = [Valid("""
        import requests


        def fetch(url):
            return requests.get(url, timeout=5)
        """)]
    INVALID = [
        Invalid("""
            import requests


            def fetch(url, headers):
                return requests.get(url, headers=headers)  # API
            """, expected="""
            import requests


            def fetch(url, headers):
                return requests.get(url, headers=headers, timeout=30)  # API
            """),
        Invalid("""
            import requests


            def send(url, payload):
                return requests.post(
                    url,
                    json=payload,
                )
            """, expected="""
            import requests


            def send(url, payload):
                return requests.post(
                    url,
                    json=payload,
                    timeout=30,
                )
            """),
        Invalid("""
            import requests


            def fetch(url, **options):
                return requests.get(url, **options)
            """),
        Invalid("""
            import requests


            def reason():
                return requests.codes.get("ok")
            """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        accepted = c.suppressed(context, finding)
        if accepted:
            return self.decline(finding, accepted)
        call = c.located_call(context, finding, lambda n: http_call(context, n))
        if call is None:
            return self.decline(finding, "not a requests HTTP call (a look-alike such as "
                                         "requests.codes.get)")
        seconds = cst.Integer(str(context.config.requests_timeout))
        current = c.keyword(call, "timeout")
        if current is not None:
            if not (isinstance(current.value, cst.Name) and current.value.value == "None"):
                return self.decline(finding, "the call already has a timeout")
            text = c.replace_nodes(context, {call: c.replace_arg_value(call, current, seconds)})
            if text is None:
                return self.decline(finding, c.LOSES_COMMENT)
            return self.fix_from_text(
                finding, context, text,
                f"set timeout={seconds.value} instead of None", safety=Safety.REVIEW,
                rationale="timeout=None was explicit: confirm the call should not wait forever")
        if c.has_star(call, "**"):
            return self.decline(finding, "**kwargs may already carry a timeout")
        arg = cst.Arg(keyword=cst.Name("timeout"), value=seconds,
                      equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                            whitespace_after=cst.SimpleWhitespace("")))
        text = c.replace_nodes(context, {call: c.append_arg(call, arg)})
        if text is None:
            return self.decline(finding, c.LOSES_COMMENT)
        return self.fix_from_text(finding, context, text,
                                  f"add timeout={seconds.value} to the HTTP call")
