"""PERF105: a database query issued once per loop iteration (the N+1 query pattern)."""

from __future__ import annotations

import re

import libcst as cst

from heal.cases import Invalid, Valid
from heal.cst import dotted_name
from heal.model import Category, Priority
from heal.rules.base import SCOPES, Detector
from heal.rules.scope import target_names

EXECUTE = frozenset({"execute", "executemany"})
ORM_METHODS = frozenset({
    "get", "filter", "exclude", "create", "get_or_create", "count", "first", "all",
})
# the last name of a receiver that looks like a DB-API cursor/connection or an ORM session
DATABASE_RECEIVER = re.compile(
    r"(?:^|_)(?:cursor|cur|conn|connection|con|session|db|database|engine|txn|transaction)s?$",
    re.IGNORECASE,
)
SESSION_RECEIVER = re.compile(r"(?:^|_)session$", re.IGNORECASE)


def _last_name(dotted: str) -> str:
    return dotted.rsplit(".", 1)[-1]


def _is_query(node: cst.Call, func: cst.Attribute) -> bool:
    method = func.attr.value
    receiver = dotted_name(func.value)
    if receiver is None:
        return False
    if method in EXECUTE:
        return bool(node.args) and DATABASE_RECEIVER.search(_last_name(receiver)) is not None
    if method in ORM_METHODS:  # `Model.objects.get(...)`, `self.model.objects.all()`
        owner, _, manager = receiver.rpartition(".")
        model = _last_name(owner)
        return manager == "objects" and (model[:1].isupper() or model == "model")
    if method == "query":
        return SESSION_RECEIVER.search(_last_name(receiver)) is not None
    return False


class NPlusOneQuery(Detector):
    """Database query inside a loop (N+1 queries).

    ## What it does
    Flags, inside a `for` / `while` loop:
    - `cursor.execute(...)` / `.executemany(...)` on a receiver named like a DB-API cursor,
      connection or session (`cursor`, `cur`, `conn`, `connection`, `session`, `db`,
      `engine`, `self.conn`, ...);
    - Django-style manager calls `Model.objects.get/filter/exclude/create/get_or_create/
      count/first/all(...)`;
    - SQLAlchemy `session.query(...)` / `db.session.query(...)`.

    ## Why is this bad?
    Each query is a network round trip plus parsing and planning on the server; issuing one
    per item turns a single request into N+1 of them, and the loop's run time grows with
    the latency of the database rather than with the work. One query that fetches (or
    writes) all the rows at once is usually orders of magnitude faster.

    ## Example
    ```python
    for order in orders:
        customer = Customer.objects.get(id=order.customer_id)
        print(customer.name)
    ```
    Use instead:
    ```python
    customers = Customer.objects.in_bulk({o.customer_id for o in orders})
    for order in orders:
        print(customers[order.customer_id].name)
    ```
    (or `select_related` / `prefetch_related`, `WHERE id IN (...)`, `executemany`,
    `bulk_create`).

    ## Fix safety
    No automatic fix: batching changes the queries sent, their order, transaction and
    locking behaviour and the error handling, so it always needs a human to review.
    """

    CODE = "PERF105"
    NAME = "n-plus-one-query"
    CATEGORY = Category.PERFORMANCE
    PRIORITY = Priority.P2
    MESSAGE = ("database query inside a loop (N+1 queries); fetch or write all rows in one "
               "query (WHERE ... IN, prefetch/select_related, bulk operations)")
    VALID = [
        Valid("""
            ids = [o.customer_id for o in orders]
            customers = Customer.objects.filter(id__in=ids)
            for customer in customers:
                print(customer.name)
        """),
        Valid("""
            for task in tasks:
                task.execute()
        """),
        Valid("""
            for statement in statements:
                cursor.execute(statement)
        """),
        Valid("""
            for item in items:
                result = executor.execute(item)
        """),
        Valid("""
            for item in items:
                value = cache.get(item)
        """),
        Valid("""
            for key in keys:
                value = self.objects.get(key)
        """),
        Valid("""
            for db in shards:
                for row in db.execute("SELECT path FROM files"):
                    print(row)
        """),
    ]
    INVALID = [
        Invalid("""
            for order in orders:
                customer = Customer.objects.get(id=order.customer_id)
        """, line=2),
        Invalid("""
            def load(ids):
                rows = []
                for i in ids:
                    cursor.execute("SELECT * FROM t WHERE id = ?", (i,))
                    rows.append(cursor.fetchone())
                return rows
        """, line=4),
        Invalid("""
            class Repo:
                def each(self, ids):
                    for i in ids:
                        yield db.session.query(User).get(i)

                def touch(self, ids):
                    while ids:
                        self.conn.execute("UPDATE t SET seen = 1 WHERE id = ?", (ids.pop(),))
        """, line=4),
        Invalid("""
            for i in ids:
                self.conn.execute("UPDATE t SET seen = 1 WHERE id = ?", (i,))
        """, line=2),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or not _is_query(node, func):
            return
        if self.enclosing_loop(node) is None:
            return
        receiver = dotted_name(func.value) or ""
        per_item = self._loop_names(node)
        # `for db in shards: db.execute(q)` talks to a different database each time, and
        # `for stmt in script: cursor.execute(stmt)` runs a list of statements: not N+1
        if receiver.split(".")[0] in per_item:
            return
        first = node.args[0].value if node.args else None
        if func.attr.value in EXECUTE and isinstance(first, cst.Name) and first.value in per_item:
            return
        self.report(node)

    def _loop_names(self, node: cst.CSTNode) -> set[str]:
        """Names bound by the targets of the `for` loops around `node` (in its function)."""
        names: set[str] = set()
        child = node
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, SCOPES):
                break
            if isinstance(ancestor, cst.For) and child is ancestor.body:
                names |= target_names(ancestor.target)
            child = ancestor
        return names

