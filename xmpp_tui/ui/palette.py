"""The command palette lists the slash commands from `core.slash.COMMANDS` (declared once).

Choosing one puts ``/name `` into the composer, ready for its arguments.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from xmpp_tui.core.slash import COMMANDS, CommandSpec
from xmpp_tui.ui.widgets.composer import Composer


class SlashCommands(Provider):
    def _prefill(self, spec: CommandSpec) -> None:
        composers = self.screen.query(Composer)
        if composers:
            composer = composers.first()
            composer.set_draft(f"/{spec.name} " if spec.args else f"/{spec.name}")
            composer.focus()

    async def discover(self) -> Hits:
        for spec in COMMANDS:
            yield DiscoveryHit(spec.usage, partial(self._prefill, spec), help=spec.summary)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for spec in COMMANDS:
            score = matcher.match(spec.usage)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(spec.usage),
                    partial(self._prefill, spec),
                    text=spec.usage,
                    help=spec.summary,
                )
