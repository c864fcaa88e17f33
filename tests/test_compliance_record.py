"""docs/compliance.md and xmpp-tui.doap say the same thing, and every proof named exists."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
XMPP_NS = "https://linkmauve.fr/ns/xmpp-doap#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
ROW = re.compile(r"^\|.*\| (XEP-\d{4}) \| (complete|partial|planned) \| (.*) \|$")


def _markdown() -> dict[str, tuple[str, str]]:
    rows: dict[str, tuple[str, str]] = {}
    for line in (ROOT / "docs" / "compliance.md").read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            rows[match[1]] = (match[2], match[3])
    return rows


def _doap() -> dict[str, str]:
    tree = ET.parse(ROOT / "xmpp-tui.doap")
    supported: dict[str, str] = {}
    for entry in tree.iter(f"{{{XMPP_NS}}}SupportedXep"):
        xep = entry.find(f"{{{XMPP_NS}}}xep")
        status = entry.find(f"{{{XMPP_NS}}}status")
        assert xep is not None and status is not None
        number = re.search(r"xep-(\d{4})", xep.get(f"{{{RDF_NS}}}resource", ""))
        assert number is not None
        supported[f"XEP-{number[1]}"] = str(status.text)
    return supported


def test_doap_lists_exactly_what_is_implemented() -> None:
    implemented = {xep: status for xep, (status, _) in _markdown().items() if status != "planned"}
    assert implemented, "no rows parsed from docs/compliance.md"
    assert _doap() == implemented


def test_every_named_test_exists() -> None:
    sources = "\n".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "tests").rglob("test_*.py")
    )
    text = (ROOT / "docs" / "compliance.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(test_[a-z0-9_]+)`", text))
    files = set(re.findall(r"`(tests/[\w/]+\.py)`", text))
    assert named and files
    assert {name for name in named if f"def {name}(" not in sources} == set()
    assert {path for path in files if not (ROOT / path).is_file()} == set()
