"""Keyring backends for tests: we cannot run a Secret Service here, so a dict stands in."""

from __future__ import annotations

from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    """A secure-looking backend that keeps secrets in a dict (stands in for Secret Service)."""

    priority = 5
    viable = False  # never discovered by keyring itself: only used when set explicitly

    def __init__(self) -> None:  # keyring's own __init__ only reads KEYRING_PROPERTY_* env
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)
