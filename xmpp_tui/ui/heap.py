"""The process heap after start-up: collected once, then frozen out of the collector's way.

Python's cyclic garbage collector walks every tracked object on each full (oldest-generation)
pass. Once Textual, Rich and slixmpp are loaded and the first account is online, that is a
few hundred thousand objects that live as long as the process, and a full pass over them
stalls the event loop for 30-70 ms on a 2-core machine, whenever enough new objects have
piled up (a big room's join, the crowd leaving it, a flood): a visible frame drop (#8).

`settle` runs one full collection (start-up's own garbage goes) and then `gc.freeze()`s what
is left into the permanent generation, which later passes skip. Reference counting still
frees any frozen object the moment it is no longer used; only a reference cycle among objects
frozen here would stay, and start-up leaves none behind after the collection just before.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)


def settle() -> None:
    """Collect once, then freeze the survivors out of the collector's full passes."""
    started = time.perf_counter()
    collected = gc.collect()
    gc.freeze()
    log.info(
        "heap settled: %d unreachable objects collected, %d frozen in %.0f ms",
        collected,
        gc.get_freeze_count(),
        (time.perf_counter() - started) * 1000,
    )
