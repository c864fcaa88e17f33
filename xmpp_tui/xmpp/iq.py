"""IQ round trips whose failures become user-facing errors."""

from __future__ import annotations

from typing import Any

from xmpp_tui.core.errors import StanzaRefused, UserFacingError


async def request(iq: Any, timeout: float) -> Any:
    """Send an IQ; the server's refusal or silence becomes a UserFacingError."""
    from slixmpp.exceptions import IqError, IqTimeout

    try:
        return await iq.send(timeout=timeout)
    except IqTimeout as error:
        raise UserFacingError(
            f"The server did not answer within {timeout:.0f} s", "Try again in a moment"
        ) from error
    except IqError as error:
        stanza_error = error.iq["error"]
        condition = str(stanza_error["condition"]) or "error"
        text = str(stanza_error["text"])
        message = f"The server refused: {condition}" + (f" ({text})" if text else "")
        raise StanzaRefused(
            message, "Check the address and your rights", condition=condition
        ) from error
