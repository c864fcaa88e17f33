"""Errors the user sees: a message and a hint, never a traceback."""

from __future__ import annotations


class UserFacingError(Exception):
    """An error with one line for the user and one line saying what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class StanzaRefused(UserFacingError):
    """A remote entity answered with an XMPP error; ``condition`` is its defined condition
    (RFC 6120 §8.3.3), for callers that can say something better about a known one."""

    def __init__(self, message: str, hint: str = "", *, condition: str = "") -> None:
        super().__init__(message, hint)
        self.condition = condition


class ConfigError(UserFacingError):
    """The config file is unreadable or invalid."""


class InvalidJidError(UserFacingError):
    """A JID that breaks RFC 7622."""
