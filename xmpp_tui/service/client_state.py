"""XEP-0352 Client State Indication per account: what the UI wants, and when it goes out.

The UI says whether the user is looking (`SetClientState`); the account keeps that wish in
``session.client_active``. It goes out at once when online, and again after a fresh session
(a new stream starts active, so only "inactive" needs repeating) or after a resumption if the
wish changed while the link was down (the resumed stream keeps the state it had). A server
without ``urn:xmpp:csi:0`` gets nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xmpp_tui.core.events import ClientStateChanged

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession


def set_wanted(session: AccountSession, active: bool) -> None:
    """The user is (not) looking: remember it, and tell the server if that changes anything."""
    session.client_active = active
    if session.online:
        _sync(session)


def session_started(session: AccountSession, *, resumed: bool) -> None:
    """A fresh stream starts "active" on the server; a resumed one kept what it had, but
    the wish may have changed while the link was down."""
    if not resumed and not session.server_client_active:
        session.server_client_active = True
        session.publish(ClientStateChanged(account=session.account, active=True))
    _sync(session)


def _sync(session: AccountSession) -> None:
    active = session.client_active
    if session.server_client_active is active:
        return
    if session.client.send_client_state(active=active):
        session.server_client_active = active
        session.publish(ClientStateChanged(account=session.account, active=active))
