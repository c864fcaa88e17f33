"""xmpp-tui: a terminal instant-messaging client for XMPP."""

__version__ = "0.1.0"
