"""The layer rule (docs STYLE section 1) as a test: parse every module's imports with ast.

Every import counts, including those inside functions and ``TYPE_CHECKING`` blocks: a
lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "xmpp_tui"

#: package -> module prefixes it must not import.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "core": (
        "textual",
        "rich",
        "slixmpp",
        "sqlite3",
        "xmpp_tui.xmpp",
        "xmpp_tui.store",
        "xmpp_tui.service",
        "xmpp_tui.ui",
    ),
    "xmpp": ("textual", "rich", "sqlite3", "xmpp_tui.store", "xmpp_tui.service", "xmpp_tui.ui"),
    "store": ("textual", "rich", "slixmpp", "xmpp_tui.xmpp", "xmpp_tui.service", "xmpp_tui.ui"),
    "service": ("textual", "rich", "xmpp_tui.ui"),
    "ui": ("slixmpp", "sqlite3", "xmpp_tui.xmpp", "xmpp_tui.store"),
}

#: (module path relative to xmpp_tui/, allowed import) exceptions to the table.
ALLOWED: set[tuple[str, str]] = {("core/jid.py", "slixmpp.jid")}


@dataclass(frozen=True)
class Import:
    module: str  # absolute dotted name
    line: int


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[Import]:
    name = _module_name(path)
    return imports_in(path.read_text(encoding="utf-8"), name, is_package=path.name == "__init__.py")


def imports_in(source: str, name: str, *, is_package: bool = False) -> list[Import]:
    """Absolute names of everything ``source`` (module ``name``) imports, anywhere in it."""
    tree = ast.parse(source)
    package = name if is_package else name.rpartition(".")[0]
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(Import(alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts)
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.append(Import(target, node.lineno))
            # ``from xmpp_tui import ui`` imports the submodule xmpp_tui.ui
            found.extend(Import(f"{target}.{alias.name}", node.lineno) for alias in node.names)
    return found


def _matches(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def violations() -> list[str]:
    problems: list[str] = []
    for layer, forbidden in FORBIDDEN.items():
        layer_dir = PACKAGE / layer
        for path in sorted(layer_dir.rglob("*.py")):
            relative = path.relative_to(PACKAGE).as_posix()
            for imp in imports_of(path):
                for prefix in forbidden:
                    if not _matches(imp.module, prefix):
                        continue
                    if any(
                        relative == where and _matches(imp.module, allowed)
                        for where, allowed in ALLOWED
                    ):
                        continue
                    problems.append(
                        f"xmpp_tui/{relative}:{imp.line}: {layer}/ must not import {imp.module}"
                    )
    return problems


def test_layers_exist() -> None:
    for layer in FORBIDDEN:
        assert (PACKAGE / layer / "__init__.py").exists(), layer


def test_import_table() -> None:
    problems = violations()
    assert not problems, "\n".join(problems)


def test_the_checker_sees_relative_and_lazy_imports() -> None:
    source = "def f():\n    import sqlite3\n    from ..ui import app\n    from . import models\n"
    modules = {imp.module for imp in imports_in(source, "xmpp_tui.core.probe")}
    assert {"sqlite3", "xmpp_tui.ui", "xmpp_tui.ui.app", "xmpp_tui.core.models"} <= modules


def _loaded_after(code: str, **extra_env: str) -> list[str]:
    env = dict(os.environ)
    env.update(extra_env)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    probe = (
        "import sys\n"
        f"{code}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}"
        " & {'textual', 'rich', 'slixmpp', 'sqlite3'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    assert isinstance(loaded, list)
    return [str(name) for name in loaded]


def test_service_does_not_load_textual() -> None:
    loaded = _loaded_after("import xmpp_tui.service\nimport xmpp_tui.service.session")
    assert "textual" not in loaded
    assert "rich" not in loaded


@pytest.mark.parametrize("module", ["xmpp_tui.core", "xmpp_tui.settings", "xmpp_tui.secrets"])
def test_light_modules_load_nothing_heavy(module: str) -> None:
    assert _loaded_after(f"import {module}") == []


@pytest.mark.parametrize("option", ["--version", "--help"])
def test_version_and_help_load_neither_textual_nor_slixmpp(option: str) -> None:
    loaded = _loaded_after(
        "from xmpp_tui.cli import main\nimport contextlib, io\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    assert main([{option!r}]) == 0\n"
        "assert out.getvalue(), 'nothing printed'"
    )
    assert loaded == []


@pytest.mark.parametrize(
    "argv",
    [
        ["history", "alice@example.org", "bob@example.org", "--format", "jsonl"],
        ["search", "hello", "--account", "alice@example.org"],
        ["history", "--help"],
    ],
)
def test_history_and_search_load_neither_textual_nor_slixmpp(
    argv: list[str], tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from xmpp_tui.store import Store

    store = Store.open(tmp_path / "history.sqlite3")
    try:
        store.history.add_outgoing(
            account="alice@example.org",
            peer="bob@example.org",
            sender="alice@example.org/laptop",
            body="hello",
            timestamp=datetime(2024, 5, 1, tzinfo=UTC),
            origin_id="o1",
            message_id="m1",
        )
    finally:
        store.close()
    loaded = _loaded_after(
        "from xmpp_tui.cli import main\nimport contextlib, io\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    assert main({argv!r}) == 0\n"
        "assert 'hello' in out.getvalue() or 'usage' in out.getvalue(), out.getvalue()",
        XMPP_TUI_HOME=str(tmp_path),
    )
    assert loaded == ["sqlite3"] or (argv[1] == "--help" and loaded == [])
