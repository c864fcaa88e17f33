"""The live roster and contacts' presence of one account (pure state)."""

from __future__ import annotations

from collections.abc import Iterable

from xmpp_tui.core.models import ContactPresence, ResourcePresence, RosterItem


class RosterState:
    def __init__(self) -> None:
        self._items: dict[str, RosterItem] = {}
        self._presence: dict[str, dict[str, ResourcePresence]] = {}

    @property
    def items(self) -> tuple[RosterItem, ...]:
        return tuple(sorted(self._items.values(), key=lambda i: i.display_name.casefold()))

    def get(self, jid: str) -> RosterItem | None:
        return self._items.get(jid)

    def __contains__(self, jid: object) -> bool:
        return jid in self._items

    def replace(self, items: Iterable[RosterItem]) -> None:
        self._items = {item.jid: item for item in items}

    def upsert(self, item: RosterItem) -> None:
        self._items[item.jid] = item

    def remove(self, jid: str) -> None:
        self._items.pop(jid, None)
        self._presence.pop(jid, None)

    def set_presence(
        self, jid: str, resource: str, presence: ResourcePresence | None
    ) -> ContactPresence:
        resources = self._presence.setdefault(jid, {})
        if presence is None and not resource:
            resources.clear()  # unavailable from the bare JID: all resources gone
        elif presence is None:
            resources.pop(resource, None)
        else:
            resources[resource] = presence
        if not resources:
            self._presence.pop(jid, None)
        return self.presence_of(jid)

    def update_presence(
        self, jid: str, resource: str, presence: ResourcePresence | None
    ) -> ContactPresence | None:
        """`set_presence`, or None when it changes nothing, so there is nothing to publish.

        At login the server answers our initial presence with an unavailable presence for
        every offline contact (Prosody does): with 2,000 contacts, 2,000 events that would
        each redraw the roster to show the same thing.
        """
        resources = self._presence.get(jid)
        if presence is None:
            if not resources or (resource and resource not in resources):
                return None  # offline stays offline; an unknown resource left
        elif resources is not None and resources.get(resource) == presence:
            return None  # the same presence again
        return self.set_presence(jid, resource, presence)

    def presence_of(self, jid: str) -> ContactPresence:
        resources = self._presence.get(jid, {})
        return ContactPresence(
            jid=jid, resources=tuple(sorted(resources.values(), key=lambda r: r.resource))
        )

    def presences(self) -> tuple[ContactPresence, ...]:
        return tuple(self.presence_of(jid) for jid in sorted(self._presence))

    def clear_presence(self) -> list[str]:
        """Everyone goes offline (our connection dropped); returns who was online."""
        was_online = sorted(self._presence)
        self._presence.clear()
        return was_online
