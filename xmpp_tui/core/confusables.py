"""Mixed-script JIDs: ``exаmple`` (Cyrillic "а") is flagged (SECURITY.md T3, S-UI-4).

A pure check over :mod:`unicodedata`, no dependency: the script of a letter is read from the
first word of its Unicode name ("LATIN SMALL LETTER A", "CYRILLIC SMALL LETTER A"). Digits,
punctuation and symbols belong to no script; combining marks inherit their base's. A label (the
localpart, each dot-separated domain label, the resource) may use one script, or one of the mixes
that real writing uses (UTS #39 "highly restrictive": Latin with Han and Hiragana/Katakana,
with Han and Bopomofo, or with Han and Hangul). Anything else is flagged.

What this does not catch: a label written entirely in another script that looks Latin
(``аррӏе``, all Cyrillic). The bare JID is always shown next to a name, so the user sees it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Shown after a flagged JID (plain text; never markup).
CONFUSABLE_MARK = "⚠ mixed scripts"

#: Name prefixes that make a look-alike of a script ("FULLWIDTH LATIN ..."): kept apart.
_QUALIFIERS = frozenset({"FULLWIDTH", "HALFWIDTH"})
#: Scripts that may share a label with Latin (UTS #39, highly restrictive).
_ALLOWED_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
_SCRIPT_ALIASES = {"CJK": "HAN", "IDEOGRAPHIC": "HAN"}
_LABEL_SEPARATORS = re.compile(r"[@./]")


@lru_cache(maxsize=4096)
def script_of(ch: str) -> str:
    """The script of a letter ("LATIN", "CYRILLIC", "HAN", ...), or "" for anything else."""
    if not unicodedata.category(ch).startswith("L"):
        return ""
    words = unicodedata.name(ch, "").split()
    if not words:
        return "UNKNOWN"
    if words[0] in _QUALIFIERS and len(words) > 1:  # "ｆ" does not pass for "f": its own script
        return f"{words[0]} {_SCRIPT_ALIASES.get(words[1], words[1])}"
    return _SCRIPT_ALIASES.get(words[0], words[0])


def scripts(label: str) -> frozenset[str]:
    """The scripts of the letters in ``label``."""
    return frozenset(s for s in map(script_of, label) if s)


def is_mixed_script(label: str) -> bool:
    """Whether one label mixes scripts in a way real names do not."""
    found = scripts(label)
    if len(found) <= 1:
        return False
    return not any(found <= allowed for allowed in _ALLOWED_MIXES)


def is_confusable_jid(jid: str) -> bool:
    """Whether any label of ``jid`` (localpart, domain labels, resource) mixes scripts."""
    if jid.isascii():
        return False
    return any(is_mixed_script(label) for label in _LABEL_SEPARATORS.split(jid))
