"""The command palette lists the slash commands from `core.slash.COMMANDS` (declared once).

Choosing one puts ``/name `` into the composer, ready for its arguments. Usages and summaries are
shown as `Content`/escaped text: a `str` display is parsed as markup, and ``/msg JID [text]`` would
lose its ``[text]``.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.markup import escape

from xmpp_tui.core.slash import COMMANDS, CommandSpec
from xmpp_tui.ui.widgets.composer import Composer


def highlight(matcher: Matcher, text: str) -> Content:
    """``text`` with the matched characters styled, as `Matcher.highlight` does, but never
    parsed as markup (`Matcher.highlight` reads its candidate as markup)."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if not score:
        return content
    for offset in offsets:
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class SlashCommands(Provider):
    def _prefill(self, spec: CommandSpec) -> None:
        composers = self.screen.query(Composer)
        if composers:
            composer = composers.first()
            composer.set_draft(f"/{spec.name} " if spec.args else f"/{spec.name}")
            composer.focus()

    async def discover(self) -> Hits:
        for spec in COMMANDS:
            yield DiscoveryHit(
                Content(spec.usage),
                partial(self._prefill, spec),
                text=spec.usage,
                help=escape(spec.summary),  # the palette parses help as markup
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for spec in COMMANDS:
            score = matcher.match(spec.usage)
            if score > 0:
                yield Hit(
                    score,
                    highlight(matcher, spec.usage),
                    partial(self._prefill, spec),
                    text=spec.usage,
                    help=escape(spec.summary),
                )
