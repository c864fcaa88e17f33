"""Parameterised SQL only (issue #7 item 4): an AST check over the source.

Every ``execute`` / ``executemany`` / ``executescript`` call in a module that can reach
SQLite (``xmpp_tui.store``, the only importer of ``sqlite3``) takes as its SQL a string
literal, a module-level constant made of literals, or one of the few audited names in
``ALLOWED`` below (each with the reason it cannot carry remote text). Values always go
through ``?`` parameters: an f-string, ``%``, ``.format()`` or ``+`` with a variable in the
SQL argument fails this test.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "xmpp_tui"
STORE = PACKAGE / "store"
SQL_METHODS = frozenset({"execute", "executemany", "executescript"})

#: (file under xmpp_tui/, function, SQL argument as source) -> why it is safe.
ALLOWED: dict[tuple[str, str, str], str] = {
    ("store/database.py", "transaction", "begin"): (
        'bound to "BEGIN IMMEDIATE" or f"SAVEPOINT sp{depth}" (an int of ours)'
    ),
    ("store/database.py", "transaction", "commit"): (
        'bound to "COMMIT" or f"RELEASE sp{depth}" (an int of ours)'
    ),
    ("store/database.py", "_rollback", "statement"): (
        'one of ("ROLLBACK",) or ROLLBACK TO / RELEASE sp{depth}, built in transaction()'
    ),
    ("store/migrations.py", "migrate", "statement"): (
        "a statement of the MIGRATIONS scripts (module constants; tests pass their own)"
    ),
    ("store/migrations.py", "migrate", "f'PRAGMA user_version = {int(target)}'"): (
        "PRAGMA takes no parameters; int() of a loop counter cannot carry SQL"
    ),
}


def _is_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_literal(node.left) and _is_literal(node.right)
    if isinstance(node, ast.Tuple | ast.List):
        return all(_is_literal(element) for element in node.elts)
    return False


def _module_constants(tree: ast.Module) -> set[str]:
    """Names assigned once at module level, to literal strings or earlier such constants
    (or sums/tuples of them)."""
    assigned: dict[str, int] = {}
    literal: set[str] = set()
    for statement in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        for target in targets:
            if isinstance(target, ast.Name):
                assigned[target.id] = assigned.get(target.id, 0) + 1
                if value is not None and _is_static(value, literal):
                    literal.add(target.id)
    # A name also assigned inside a function is not a constant.
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            literal.difference_update(node.names)
    return {name for name in literal if assigned[name] == 1}


def _is_static(node: ast.expr, constants: set[str]) -> bool:
    if _is_literal(node):
        return True
    if isinstance(node, ast.Name):
        return node.id in constants
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_static(node.left, constants) and _is_static(node.right, constants)
    if isinstance(node, ast.Tuple | ast.List):
        return all(_is_static(element, constants) for element in node.elts)
    return False


def dynamic_sql(source: str, filename: str) -> list[tuple[str, str, str, int]]:
    """(file, function, SQL source, line) of every SQL call whose SQL is not static."""
    tree = ast.parse(source, filename)
    constants = _module_constants(tree)
    found: list[tuple[str, str, str, int]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = function
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = child.name
            if (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Attribute)
                and child.func.attr in SQL_METHODS
            ):
                sql = child.args[0] if child.args else None
                if sql is None:
                    sql = next(
                        (k.value for k in child.keywords if k.arg in ("sql", "sql_script")), None
                    )
                if sql is None or not _is_static(sql, constants):
                    text = "<missing>" if sql is None else ast.unparse(sql)
                    found.append((filename, function, text, child.lineno))
            visit(child, name)

    visit(tree, "<module>")
    return found


def _sqlite_modules() -> list[Path]:
    """The store's modules, and any other module that imports sqlite3."""
    paths = set(STORE.rglob("*.py"))
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            imports = isinstance(node, ast.Import) and any(a.name == "sqlite3" for a in node.names)
            if imports or (isinstance(node, ast.ImportFrom) and node.module == "sqlite3"):
                paths.add(path)
    return sorted(paths)


def test_sql_is_literal_or_constant() -> None:
    calls = 0
    unexpected: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for path in _sqlite_modules():
        source = path.read_text(encoding="utf-8")
        relative = path.relative_to(PACKAGE).as_posix()
        tree = ast.parse(source)
        calls += sum(
            1
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SQL_METHODS
        )
        for file, function, text, line in dynamic_sql(source, relative):
            key = (file, function, text)
            if key in ALLOWED:
                seen.add(key)
            else:
                unexpected.append(f"{file}:{line} in {function}(): {text}")
    assert calls > 50, calls  # the scan really saw the store's SQL
    assert not unexpected, "SQL built at run time; use a literal and ? parameters:\n" + "\n".join(
        unexpected
    )
    stale = set(ALLOWED) - seen
    assert not stale, f"ALLOWED entries that no longer exist: {stale}"


def test_the_check_catches_built_sql() -> None:
    source = """
TABLE = "messages"
SELECT = "SELECT * FROM " + TABLE
def f(conn, name, where):
    conn.execute("SELECT 1 WHERE a = ?", (name,))
    conn.execute(SELECT)
    conn.execute(f"SELECT * FROM t WHERE a = '{name}'")
    conn.execute("SELECT * FROM t WHERE a = '%s'" % name)
    conn.execute("SELECT * FROM t WHERE a = '{}'".format(name))
    conn.executemany("DELETE FROM t WHERE " + where, [])
    conn.executescript(sql_script=name)
    query = "SELECT 2"
    conn.execute(query)
"""
    found = [(function, line) for _, function, _, line in dynamic_sql(source, "x.py")]
    assert found == [("f", 7), ("f", 8), ("f", 9), ("f", 10), ("f", 11), ("f", 13)]
