"""Static check: remote text cannot become markup in the UI (SECURITY.md T2, S-UI-3).

Widgets that parse markup from a ``str`` must be given a `Text`/`Content` built from sanitised
text. This check flags the shapes through which a remote string would slip in as markup: an
f-string, a concatenation or a ``%``/``.format`` string given to a widget or method that parses
markup (Static/Label/Button and the other label-taking widgets, ``Static.update``, an option's
prompt, a ``DataTable`` cell, a border title), any ``Text.from_markup``/``Content.from_markup``
of anything but a literal, and any ``notify`` or ``RichLog`` without ``markup=False``.
"""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parents[1] / "xmpp_tui" / "ui"
MARKUP_WIDGETS = {
    "Static",
    "Label",
    "Button",
    # Textual turns a str label or prompt into markup Content in these too:
    "Option",
    "Checkbox",
    "RadioButton",
    "Switch",
    "TabPane",
    "Tab",
    "Collapsible",
    "Link",
}
#: Methods that parse a str argument as markup (any positional argument is checked).
MARKUP_METHODS = {"update", "add_row", "add_column", "add_option", "set_options"}
#: Attributes that are rendered as markup when given a str.
MARKUP_ATTRIBUTES = {"border_title", "border_subtitle", "tooltip"}


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


def _violations(root: Path = UI) -> list[str]:
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and _is_built_string(node.value):
                for target in node.targets:
                    if isinstance(target, ast.Attribute) and target.attr in MARKUP_ATTRIBUTES:
                        where = f"{path.relative_to(root.parent)}:{node.lineno}"
                        found.append(f"{where}: {target.attr} set to a built str (markup)")
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            where = f"{path.relative_to(root.parent)}:{node.lineno}"
            if name in MARKUP_WIDGETS and node.args and _is_built_string(node.args[0]):
                found.append(f"{where}: {name}() given a built str (markup is parsed)")
            if name in MARKUP_METHODS and any(_is_built_string(arg) for arg in node.args):
                found.append(f"{where}: .{name}() given a built str (markup is parsed)")
            if name == "from_markup" and not (node.args and isinstance(node.args[0], ast.Constant)):
                found.append(f"{where}: from_markup() of a non-literal")
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


def test_the_check_catches_the_other_widget_kinds(tmp_path: Path) -> None:
    """Positive control for the kinds added later: each bad line is one finding."""
    bad = (
        'Option(f"{nick}")\n'
        'Checkbox("x" + label)\n'
        'widget.update(f"{body}")\n'
        'table.add_row("a", f"{name}")\n'
        "Text.from_markup(status)\n"
        'self.border_title = f"{room}"\n'
        'Option(Text(nick))\nwidget.update(Text(body))\nText.from_markup("[b]fixed[/b]")\n'
    )
    (tmp_path / "bad.py").write_text(bad, encoding="utf-8")
    assert len(_violations(tmp_path)) == 6, _violations(tmp_path)
