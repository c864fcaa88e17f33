"""Received messages of one event-loop turn: stored in one transaction, published after it.

slixmpp hands us every stanza of a network read in one synchronous go; under a flood that is
hundreds of messages. Each is still checked and de-duplicated on its own (a SAVEPOINT inside
the batch, `Database.batched`), but they share one COMMIT, run by a callback at the next
turn of the loop. Only after that commit are their events published and their receipts
sent, so "store first, publish second" holds for the batch as it did for each message.

What the server counts as delivered (XEP-0198 acks) is not tied to our commit: slixmpp counts
a stanza handled before any handler runs, so a crash before the commit can lose what the
server thinks we have, exactly as it could with a commit per message. The archive catch-up of
the next session brings such messages back (the catch-up cursor only moves through the
catch-up itself), so nothing is lost for good.

Any other write (`Database.transaction` outside a batch) commits the batch first, and
`AccountSession` flushes the batch before it routes any other fact, so events keep the order
their stanzas came in.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.store.database import Batch, Database

log = logging.getLogger(__name__)

T = TypeVar("T")


class InboundBatch:
    """Write now (inside the shared batch), act after the commit (next loop turn)."""

    def __init__(self, database: Database, on_failed: Callable[[UserFacingError], None]) -> None:
        self._db = database
        self._on_failed = on_failed
        self._after: list[tuple[Batch | None, Callable[[], None]]] = []
        self._scheduled = False

    def write(self, store: Callable[[], T], then: Callable[[T], None]) -> None:
        """Run ``store`` inside the batch now; ``then(result)`` once the batch is committed.

        An error raised by ``store`` propagates (nothing of it was written); if the commit
        fails, ``then`` is never called and ``on_failed`` hears about it once.
        """
        with self._db.batched() as batch:
            result = store()
        self._after.append((batch, lambda: then(result)))
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Commit the batch, then run what waited for it, in order (idempotent)."""
        self._scheduled = False
        if not self._after:
            return
        after, self._after = self._after, []
        try:
            self._db.commit_batch()
        except UserFacingError:
            pass  # recorded on the Batch; reported below, with every write it took along
        except Exception:
            log.exception("committing a batch of received messages")
        reported: set[int] = set()
        for batch, action in after:
            if batch is not None and not batch.committed:
                if id(batch) not in reported:
                    reported.add(id(batch))
                    self._on_failed(batch.error or UserFacingError("The history write failed"))
                continue
            try:
                action()
            except Exception:
                log.exception("after storing a message")
