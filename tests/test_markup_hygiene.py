"""Static check: remote text cannot become markup in the UI (SECURITY.md T2, S-UI-3).

Widgets that parse markup from a ``str`` must be given a `Text`/`Content` built from sanitised
text. This check flags the shapes through which a remote string would slip in as markup: an
f-string, a concatenation or a ``%``/``.format`` string given to Static/Label/notify, and any
``notify`` or ``RichLog`` without ``markup=False``.
"""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parents[1] / "xmpp_tui" / "ui"
MARKUP_WIDGETS = {"Static", "Label", "Button"}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_built_string(node: ast.expr) -> bool:
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return True
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    )


def _markup_off(call: ast.Call) -> bool:
    return any(
        kw.arg == "markup" and isinstance(kw.value, ast.Constant) and kw.value.value is False
        for kw in call.keywords
    )


def _violations() -> list[str]:
    found: list[str] = []
    for path in sorted(UI.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            where = f"{path.relative_to(UI.parent.parent)}:{node.lineno}"
            if name in MARKUP_WIDGETS and node.args and _is_built_string(node.args[0]):
                found.append(f"{where}: {name}() given a built str (markup is parsed)")
            if name in {"notify", "RichLog"} and not _markup_off(node):
                found.append(f"{where}: {name}() without markup=False")
    return found


def test_no_remote_text_reaches_markup() -> None:
    assert _violations() == []


def test_the_check_catches_what_it_claims() -> None:
    """Positive control: the same walk flags a deliberately bad snippet."""
    bad = ast.parse('Static(f"{body}")\nself.notify(text)\n')
    calls = [n for n in ast.walk(bad) if isinstance(n, ast.Call)]
    static = next(c for c in calls if _name(c.func) == "Static")
    notify = next(c for c in calls if _name(c.func) == "notify")
    assert _is_built_string(static.args[0])
    assert not _markup_off(notify)
