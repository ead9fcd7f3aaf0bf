"""SEC109: SQL built with f-strings, `%`, `+` or `.format()` becomes a parameterised query."""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext
from heal.healers.security import _common as c
from heal.healers.security import _template as t
from heal.healers.security._template import UnsupportedError
from heal.model import Category, Declined, Finding, Fix, Safety

QMARK = frozenset({"sqlite3", "aiosqlite", "pysqlite2", "pysqlite3"})
FORMAT = frozenset({"psycopg2", "psycopg", "psycopg2cffi", "pymysql", "MySQLdb",
                    "mysql.connector", "pg8000", "django.db"})
EXECUTE = "execute"
# operators and keywords after which SQL expects a value
VALUE_BEFORE = re.compile(r"(<>|!=|<=|>=|=|<|>)$|\b(like|ilike|limit|offset|between)$"
                          r"|\bbetween\s+\S+\s+and$", re.IGNORECASE)
STR_METHODS = frozenset({"format", "join", "strip", "lstrip", "rstrip", "lower", "upper",
                         "replace", "title", "casefold", "capitalize"})


@dataclass
class Rewritten:
    items: list[t.Item]  # Text and Break only
    params: list[cst.BaseExpression]


def _stringy(context: ModuleContext, expr: cst.BaseExpression) -> bool:
    """The expression is a str for sure (a literal, str(), a str method, a parameter
    annotated `str`), so str() of it is itself."""
    if isinstance(expr, t.STRINGISH):
        return True
    if isinstance(expr, cst.Call):
        if isinstance(expr.func, cst.Name) and expr.func.value == "str":
            return True
        return isinstance(expr.func, cst.Attribute) and expr.func.attr.value in STR_METHODS
    if isinstance(expr, cst.Name):
        for function in c.enclosing_functions(context, expr)[:1]:
            params = [*function.params.posonly_params, *function.params.params,
                      *function.params.kwonly_params]
            for param in params:
                if param.name.value == expr.value and param.annotation is not None:
                    annotation = param.annotation.annotation
                    return isinstance(annotation, cst.Name) and annotation.value == "str"
    return False


def _code(expr: cst.BaseExpression) -> str:
    return cst.Module([]).code_for_node(expr)


class _Walker:
    """One pass over the SQL text, quote- and comment-aware, moving values into params."""

    def __init__(self, context: ModuleContext, items: list[t.Item], placeholder: str) -> None:
        self.context = context
        self.placeholder = placeholder
        self.atoms: list[str | t.Slot | t.Break] = []
        for item in items:
            if isinstance(item, t.Text):
                self.atoms += list(item.value)
            else:
                self.atoms.append(item)
        self.out: list[t.Item] = []
        self.plain: list[str] = []  # the SQL so far, placeholders included, for context
        self.params: list[cst.BaseExpression] = []
        self.parens: list[str] = []
        self.last_closed = ""

    def emit(self, text: str) -> None:
        self.plain.append(text)
        if self.placeholder == "%s":
            text = text.replace("%", "%%")
        if self.out and isinstance(self.out[-1], t.Text):
            self.out[-1] = t.Text(self.out[-1].value + text)
        else:
            self.out.append(t.Text(text))

    def put_placeholder(self, param: cst.BaseExpression) -> None:
        self.plain.append("?")
        if self.out and isinstance(self.out[-1], t.Text):
            self.out[-1] = t.Text(self.out[-1].value + self.placeholder)
        else:
            self.out.append(t.Text(self.placeholder))
        self.params.append(param)

    def at(self, index: int) -> str | t.Slot | t.Break | None:
        return self.atoms[index] if 0 <= index < len(self.atoms) else None

    def run(self) -> Rewritten:
        i = 0
        while i < len(self.atoms):
            atom = self.atoms[i]
            if isinstance(atom, t.Break):
                self.out.append(atom)
                self.plain.append(" ")
                i += 1
            elif isinstance(atom, t.Slot):
                self.value_slot(i, atom)
                i += 1
            elif atom == "'":
                i = self.quoted(i)
            elif atom == '"' or atom == "`":
                i = self.skip_until(i, atom, 1, "a quoted identifier")
            elif atom == "-" and self.at(i + 1) == "-":
                i = self.skip_until(i, "\n", 2, "an SQL comment")
            elif atom == "/" and self.at(i + 1) == "*":
                i = self.skip_until(i, "*/", 2, "an SQL comment")
            else:
                if atom == "?" and self.placeholder == "?":
                    raise UnsupportedError("the SQL already holds a ? outside quotes")
                if atom == "(":
                    self.parens.append(self.paren_keyword())
                elif atom == ")":
                    self.last_closed = self.parens.pop() if self.parens else ""
                self.emit(atom)
                i += 1
        if not self.params:
            raise UnsupportedError("no interpolated value to move into parameters")
        return Rewritten(t.merge(self.out), self.params)

    def paren_keyword(self) -> str:
        before = "".join(self.plain).rstrip()
        if before.endswith(",") and self.last_closed == "values":
            return "values"
        match = re.search(r"([A-Za-z_]+)$", before)
        return match.group(1).lower() if match else ""

    def skip_until(self, i: int, end: str, opener: int, what: str) -> int:
        j = i + opener
        while j < len(self.atoms):
            chunk = "".join(a if isinstance(a, str) else "\0" for a in self.atoms[j:j + len(end)])
            if chunk == end:
                j += len(end)
                break
            if isinstance(self.atoms[j], t.Slot):
                raise UnsupportedError(f"a value is interpolated inside {what}")
            j += 1
        for atom in self.atoms[i:j]:
            if isinstance(atom, t.Break):
                self.out.append(atom)
            elif isinstance(atom, str):
                self.emit(atom)
        return j

    def quoted(self, i: int) -> int:
        content: list[str | t.Slot | t.Break] = []
        j = i + 1
        while j < len(self.atoms):
            atom = self.atoms[j]
            if atom == "'":
                if self.at(j + 1) == "'":
                    content.append("'")
                    j += 2
                    continue
                break
            content.append(atom)
            j += 1
        else:
            raise UnsupportedError("an unterminated quoted string in the SQL")
        if not any(isinstance(a, t.Slot) for a in content):
            for atom in self.atoms[i:j + 1]:
                if isinstance(atom, t.Break):
                    self.out.append(atom)
                elif isinstance(atom, str):
                    self.emit(atom)
            return j + 1
        before = self.at(i - 1)
        if isinstance(before, str) and before.isalnum():
            raise UnsupportedError(f"a value inside a prefixed SQL string ({before}'...')")
        if any(isinstance(a, t.Break) for a in content):
            raise UnsupportedError("a quoted SQL value that spans several Python literals")
        if "\\" in content:
            raise UnsupportedError("a backslash in a quoted SQL value (escaping differs per database)")
        self.put_placeholder(self.quoted_param(content))
        return j + 1

    def quoted_param(self, content: list[str | t.Slot | t.Break]) -> cst.BaseExpression:
        parts: list[str | t.Slot] = []
        for atom in content:
            if isinstance(atom, str) and parts and isinstance(parts[-1], str):
                parts[-1] += atom
            elif not isinstance(atom, t.Break):
                parts.append(atom)
        if any(isinstance(p, t.Slot) and p.conv == "int" for p in parts):
            raise UnsupportedError("a %d value inside SQL quotes")
        if len(parts) == 1 and isinstance(parts[0], t.Slot):
            slot = parts[0]
            if slot.conv == "concat" or _stringy(self.context, slot.expr):
                return slot.expr
            return cst.Call(func=cst.Name("str"), args=[cst.Arg(slot.expr)])
        codes = [_code(p.expr) for p in parts if isinstance(p, t.Slot)]
        quote = next((q for q in ('"', "'") if not any(q in code for code in codes)), None)
        if quote is None or any("\\" in code for code in codes):
            raise UnsupportedError("a quoted SQL value mixes text and values heal cannot rebuild")
        body = []
        for part in parts:
            if isinstance(part, str):
                body.append(c.escape(part, quote).replace("{", "{{").replace("}", "}}"))
            else:
                code = _code(part.expr)
                body.append("{" + (f"({code})" if re.search(r"[:!{}=]", code) else code) + "}")
        return cst.parse_expression(f"f{quote}{''.join(body)}{quote}")

    def value_slot(self, i: int, slot: t.Slot) -> None:
        code = _code(slot.expr)
        left, right = self.at(i - 1), self.at(i + 1)
        glued_left = isinstance(left, (str, t.Slot)) and not (
            isinstance(left, str) and (left.isspace() or left in "(,=<>"))
        glued_right = isinstance(right, (str, t.Slot)) and not (
            isinstance(right, str) and (right.isspace() or right in "),;"))
        if glued_left or glued_right:
            raise UnsupportedError(f"`{code}` is glued to other SQL text")
        before = "".join(self.plain).rstrip()
        in_list = before.endswith(("(", ",")) and bool(self.parens) and \
            self.parens[-1] in ("in", "values")
        if in_list and before.endswith("("):
            following = next((a for a in self.atoms[i + 1:]
                              if not (isinstance(a, str) and a.isspace())), None)
            if following == ")":
                raise UnsupportedError(f"`{code}` fills a whole IN/VALUES list: a joined string "
                                  "cannot be one parameter")
        if not (in_list or VALUE_BEFORE.search(before)):
            raise UnsupportedError(f"`{code}` is interpolated where SQL expects a name or a clause; "
                              "only values can be parameters")
        value: cst.BaseExpression
        if slot.conv == "int":
            value = slot.expr if isinstance(slot.expr, cst.Integer) else cst.Call(
                func=cst.Name("int"), args=[cst.Arg(slot.expr)])
        else:
            value = slot.expr
        self.put_placeholder(value)


class SqlParameters(Fixer):
    """Pass values to SQL as query parameters.

    ## What it does
    Where a query built with an f-string, `%`, `+` or `.format()` reaches `cursor.execute(...)`
    (directly, or through a variable assigned just before), moves every interpolated value into
    a parameter tuple and writes the driver's placeholder in its place: `?` for sqlite3,
    `%s` for psycopg/psycopg2/pymysql/MySQLdb (found from the module's imports). A value
    quoted in the SQL (`'{name}'`) loses its quotes; text around it in the quotes
    (`'%{term}%'`) moves into the parameter. With `%s` placeholders, literal `%` signs in the
    SQL are doubled, as those drivers require.

    ## Why is this bad?
    A value pasted into SQL text is SQL: a name such as `x' OR '1'='1` changes the query
    (SQL injection). Parameters are sent apart from the query and are never parsed as SQL.

    ## Example
    ```python
    cur.execute(f"SELECT * FROM users WHERE name = '{name}'")
    ```
    becomes
    ```python
    cur.execute("SELECT * FROM users WHERE name = ?", (str(name),))
    ```

    ## Fix safety
    Review: values now reach the database with their own types. Quoted values are passed as
    `str(...)` (as the text was) unless they are known strings; unquoted ones as they are, so a
    string that held SQL (`"NOW()"`) would now be a plain value. heal declines when it cannot
    prove the move is right: values in identifier or clause positions (table or column names,
    `ORDER BY`), a whole `IN (...)` list from one value, values in comments or double quotes,
    conversions (`{x!r}`, `%r`, format specs), unknown or mixed drivers, a query variable used
    anywhere else, values reassigned between the query and `execute()`, `execute()` already
    given parameters, and `executemany()`.
    """

    CODE = "SEC109"
    NAME = "sql-parameters"
    CATEGORY = Category.SECURITY
    RULES = ("bandit:B608",)
    SAFETY = Safety.REVIEW
    VALID = [Valid("""
        import sqlite3


        def find(conn: sqlite3.Connection, name: str):
            return conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchall()
        """)]
    INVALID = [
        Invalid("""
            import sqlite3


            def find(conn: sqlite3.Connection, name):
                cur = conn.cursor()
                cur.execute(f"SELECT * FROM users WHERE name = '{name}'")  # by name
                return cur.fetchall()
            """, expected="""
            import sqlite3


            def find(conn: sqlite3.Connection, name):
                cur = conn.cursor()
                cur.execute("SELECT * FROM users WHERE name = ?", (str(name),))  # by name
                return cur.fetchall()
            """),
        Invalid("""
            import psycopg2


            def count(conn, user_id, status: str):
                query = "SELECT count(*) FROM orders WHERE user_id = %s AND status = '%s'" % (
                    user_id, status)
                with conn.cursor() as cur:
                    cur.execute(query)
                    return cur.fetchone()
            """, expected="""
            import psycopg2


            def count(conn, user_id, status: str):
                query = "SELECT count(*) FROM orders WHERE user_id = %s AND status = %s"
                with conn.cursor() as cur:
                    cur.execute(query, (user_id, status))
                    return cur.fetchone()
            """),
        Invalid("""
            import sqlite3


            def search(conn: sqlite3.Connection, term: str):
                sql = "SELECT id FROM notes WHERE body LIKE '%" + term + "%' LIMIT 10"
                return conn.execute(sql).fetchall()
            """, expected="""
            import sqlite3


            def search(conn: sqlite3.Connection, term: str):
                sql = "SELECT id FROM notes WHERE body LIKE ? LIMIT 10"
                return conn.execute(sql, (f"%{term}%",)).fetchall()
            """),
        Invalid("""
            import pymysql


            def recent(conn, table, days):
                with conn.cursor() as cur:
                    cur.execute(
                        ("SELECT * FROM logs "
                         "WHERE age < {} AND note LIKE 'x%'").format(days)
                    )
                    return cur.fetchall()
            """, expected="""
            import pymysql


            def recent(conn, table, days):
                with conn.cursor() as cur:
                    cur.execute(
                        ("SELECT * FROM logs "
                         "WHERE age < %s AND note LIKE 'x%%'"),
                        (days,)
                    )
                    return cur.fetchall()
            """),
        Invalid("""
            import sqlite3


            def dump(conn: sqlite3.Connection, table):
                return conn.execute(f"SELECT * FROM {table}").fetchall()
            """),
        Invalid("""
            def find(cur, name):
                cur.execute(f"SELECT * FROM users WHERE name = '{name}'")
            """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        accepted = c.suppressed(context, finding)
        if accepted:
            return self.decline(finding, accepted)
        node = c.located(context, finding, c.STRING_NODES)
        if node is None:
            return self.decline(finding, "no string at the reported position")
        expr = self._query_expression(context, node)
        if not isinstance(expr, cst.BaseExpression):
            return self.decline(finding, "not a query expression")
        parent = context.parent(expr)
        try:
            placeholder = self._placeholder(context)
            if isinstance(parent, cst.Arg):
                call = context.parent(parent)
                if not isinstance(call, cst.Call) or not self._is_execute(call) or \
                        call.args[0] is not parent:
                    raise UnsupportedError("the query is not the first argument of execute()")
                self._check_execute(call)
                assign = None
            elif isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is expr:
                assign = parent
                call = self._execute_of_variable(context, parent)
            else:
                raise UnsupportedError("the SQL is neither passed to execute() nor assigned to a "
                                  "variable that is")
            template = t.parse(expr)
            rewritten = _Walker(context, template.items, placeholder).run()
            if assign is not None:
                self._check_values_still(context, assign, call, rewritten.params)
        except UnsupportedError as why:
            return self.decline(finding, str(why))
        query = t.render(rewritten.items, template.look)
        if expr.lpar:
            query = query.with_changes(lpar=expr.lpar, rpar=expr.rpar)
        elif isinstance(query, cst.ConcatenatedString) and template.literal.lpar:
            query = query.with_changes(lpar=template.literal.lpar, rpar=template.literal.rpar)
        params = cst.Tuple(elements=[cst.Element(p) for p in rewritten.params])
        if assign is None:
            assert isinstance(parent, cst.Arg)
            new_call = call.with_changes(args=[parent.with_changes(value=query)])
            new_call = c.append_arg(new_call, cst.Arg(params))
            text = c.replace_nodes(context, {call: new_call})
        else:
            text = c.replace_nodes(context, {expr: query,
                                             call: c.append_arg(call, cst.Arg(params))})
        if text is None:
            return self.decline(finding, c.LOSES_COMMENT)
        return self.fix_from_text(
            finding, context, text, f"pass the values as query parameters ({placeholder})",
            rationale=f"values now reach the database as parameters with their own types; "
                      f"confirm the driver uses {placeholder} placeholders")

    @staticmethod
    def _query_expression(context: ModuleContext, node: cst.CSTNode) -> cst.CSTNode:
        expr = node
        while True:
            parent = context.parent(expr)
            if isinstance(parent, cst.ConcatenatedString) or (
                    isinstance(parent, cst.BinaryOperation) and (
                    isinstance(parent.operator, cst.Add) or (
                        isinstance(parent.operator, cst.Modulo) and parent.left is expr))):
                expr = parent
            elif isinstance(parent, cst.Attribute) and parent.attr.value == "format" and \
                    parent.value is expr and isinstance(context.parent(parent), cst.Call):
                grand = context.parent(parent)
                assert grand is not None
                expr = grand
            else:
                return expr

    @staticmethod
    def _placeholder(context: ModuleContext) -> str:
        imported = c.imported_modules(context)
        qmark, fmt = imported & QMARK, imported & FORMAT
        if qmark and fmt:
            raise UnsupportedError(f"the module imports drivers with different placeholders "
                              f"({', '.join(sorted(qmark | fmt))})")
        if qmark:
            return "?"
        if fmt:
            return "%s"
        raise UnsupportedError("no known database driver is imported here, so the placeholder style "
                          "is unknown")

    @staticmethod
    def _is_execute(call: cst.Call) -> bool:
        return isinstance(call.func, cst.Attribute) and call.func.attr.value == EXECUTE

    @staticmethod
    def _check_execute(call: cst.Call) -> None:
        if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
            raise UnsupportedError("execute() already has parameters (or more arguments)")

    def _execute_of_variable(self, context: ModuleContext, assign: cst.Assign | cst.AnnAssign
                             ) -> cst.Call:
        if isinstance(assign, cst.Assign):
            if len(assign.targets) != 1:
                raise UnsupportedError("the query is assigned to several targets")
            target = assign.targets[0].target
        else:
            target = assign.target
        if not isinstance(target, cst.Name):
            raise UnsupportedError("the query is assigned to something other than a variable")
        scope = c.scope_of(context, target)
        if scope is None or not c.enclosing_functions(context, assign) or \
                c.in_global_scope(context, target):
            raise UnsupportedError("a module-level query variable may be used elsewhere")
        assignments = list(scope.assignments[target.value])
        if len(assignments) != 1:
            raise UnsupportedError(f"`{target.value}` is assigned more than once")
        references = list(assignments[0].references)
        if len(references) != 1:
            raise UnsupportedError(f"`{target.value}` is used {len(references)} times; only a query "
                              "used once, in execute(), can change")
        use = references[0].node
        arg = context.parent(use)
        call = context.parent(arg) if arg is not None else None
        if not isinstance(arg, cst.Arg) or not isinstance(call, cst.Call) or \
                not self._is_execute(call) or call.args[0] is not arg:
            raise UnsupportedError(f"`{target.value}` is not passed to execute()")
        self._check_execute(call)
        where_assign, where_call = context.positions[assign], context.positions[call]
        if (where_call.start.line, where_call.start.column) < (where_assign.end.line,
                                                              where_assign.end.column):
            raise UnsupportedError("execute() comes before the query is built")
        assign_chain = set(map(id, context.ancestors(assign)))
        for ancestor in context.ancestors(call):
            if id(ancestor) in assign_chain:
                break
            if isinstance(ancestor, (cst.For, cst.While, cst.FunctionDef, cst.Lambda,
                                     cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
                raise UnsupportedError("execute() runs in a loop or function the query is not built "
                                  "in, so the values would be read at another time")
        return call

    @staticmethod
    def _check_values_still(context: ModuleContext, assign: cst.CSTNode, call: cst.Call,
                            params: list[cst.BaseExpression]) -> None:
        """The values read at execute() are the values the query was built with."""
        names: set[str] = set()
        has_call = False

        class Collect(cst.CSTVisitor):
            def visit_Name(self, node: cst.Name) -> None:
                names.add(node.value)

            def visit_Call(self, node: cst.Call) -> None:
                nonlocal has_call
                has_call = True

        for param in params:
            param.visit(Collect())
        start = context.positions[assign].end
        end = context.positions[call].start
        for node, where in context.positions.items():
            if not ((start.line, start.column) <= (where.start.line, where.start.column)
                    and (where.end.line, where.end.column) <= (end.line, end.column)):
                continue
            if isinstance(node, cst.Name) and node.value in names and c.is_store(context, node):
                raise UnsupportedError(f"`{node.value}` changes between the query and execute()")
            if has_call and isinstance(node, (cst.SimpleStatementLine,
                                              cst.BaseCompoundStatement)):
                raise UnsupportedError("a value is computed by a call, and code runs between the "
                                  "query and execute()")
