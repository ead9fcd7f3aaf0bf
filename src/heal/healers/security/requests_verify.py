"""SEC107: `verify=False` goes from requests / httpx calls."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext
from heal.healers.security import _common as c
from heal.healers.security.requests_timeout import http_call
from heal.model import Category, Declined, Finding, Fix, Safety


def _verify_false(call: cst.Call) -> cst.Arg | None:
    arg = c.keyword(call, "verify")
    if arg is not None and isinstance(arg.value, cst.Name) and arg.value.value == "False":
        return arg
    return None


class RequestsVerify(Fixer):
    """Check TLS certificates on HTTP requests.

    ## What it does
    Removes `verify=False` from `requests.get/post/...(...)` and httpx calls, so that the
    library's default (verify the server's certificate against the trusted CAs) applies.

    ## Why is this bad?
    Without certificate checks anyone on the network path can impersonate the server: read the
    credentials the request carries and answer with whatever they like.

    ## Example
    ```python
    requests.get(url, verify=False, timeout=10)
    ```
    becomes
    ```python
    requests.get(url, timeout=10)
    ```

    ## Fix safety
    Review: a server with a self-signed or internal-CA certificate now fails with an SSL error;
    the fix for that is `verify="/path/to/ca-bundle.pem"`, which only a human can supply.
    `verify=<expression>` is declined: it may be a CA bundle path or a setting.
    """

    CODE = "SEC107"
    NAME = "requests-verify-tls"
    CATEGORY = Category.SECURITY
    RULES = ("bandit:B501",)
    SAFETY = Safety.REVIEW
    VALID = [Valid("""
        import requests


        def fetch(url, bundle):
            return requests.get(url, verify=bundle, timeout=5)
        """)]
    INVALID = [
        Invalid("""
            import requests


            def fetch(url):
                return requests.get(url, verify=False, timeout=5)
            """, expected="""
            import requests


            def fetch(url):
                return requests.get(url, timeout=5)
            """),
        Invalid("""
            import httpx


            def fetch(url):
                return httpx.get(
                    url,
                    timeout=5,
                    verify=False,  # internal host
                )
            """, expected="""
            import httpx


            def fetch(url):
                return httpx.get(
                    url,
                    timeout=5,  # internal host
                )
            """),
        Invalid("""
            import requests


            def reason(code):
                return requests.codes.get(code, verify=False)
            """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        accepted = c.suppressed(context, finding)
        if accepted:
            return self.decline(finding, accepted)
        call = c.located_call(context, finding, lambda n: http_call(context, n))
        if call is None:
            return self.decline(finding, "not a requests/httpx HTTP call")
        arg = _verify_false(call)
        if arg is None:
            return self.decline(finding, "verify is not a literal False")
        text = c.replace_nodes(context, {call: c.remove_arg(call, arg)})
        if text is None:
            return self.decline(finding, c.LOSES_COMMENT)
        return self.fix_from_text(
            finding, context, text, "verify TLS certificates (drop "
            "verify=False)",
            rationale="servers with self-signed or internal-CA certificates now fail; give them "
                      "verify=<CA bundle path> instead")
