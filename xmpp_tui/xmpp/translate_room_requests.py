"""The Any firewall for XEP-0045 requests a room passes on as data forms (translate.py's rules):
a voice request (§8.6) or a registration request (§9.9).

Such a request counts only from a room's own bare JID (a local part, no nick: an occupant
cannot forge one); whether we are in that room, and moderator there, is the service's check.
Every string is remote text, coerced to ``str`` here and sanitised where it is shown.
"""

from __future__ import annotations

import logging
from typing import Any

from xmpp_tui.core.forms import DataForm
from xmpp_tui.xmpp.features.muc_requests import DATA_NS, REGISTER_FORM, REQUEST_FORM
from xmpp_tui.xmpp.forms import read_form
from xmpp_tui.xmpp.inbound import RegistrationRequestReceived, VoiceRequestReceived

log = logging.getLogger(__name__)

_FORM_TYPES = (REQUEST_FORM, REGISTER_FORM)


def _form_type(form: DataForm) -> str:
    field = form.field("FORM_TYPE")
    return field.value if field is not None else ""


def is_room_request(msg: Any) -> bool:
    """A voice or registration request that `form_message` takes (its body, if any, is only
    a fallback: the form is what counts). Anything else carrying such a form, a groupchat
    line or a contact's message, is an ordinary message: hiding it would let anyone hide
    what everyone else reads."""
    return form_message(msg, quiet=True) is not None


def form_message(
    msg: Any, *, quiet: bool = False
) -> VoiceRequestReceived | RegistrationRequestReceived | None:
    """A voice or registration request form from a room's bare JID (XEP-0045 §8.6, §9.9)."""
    if msg["type"] in ("error", "groupchat"):
        return None
    element = msg.xml.find(f"{{{DATA_NS}}}x")
    if element is None:
        return None
    form = read_form(element)
    kind = _form_type(form)
    if kind not in _FORM_TYPES:
        return None
    sender = msg["from"]
    room = str(sender.bare)
    if sender.resource or "@" not in room:
        if not quiet:
            log.warning("ignoring a room request form from %s: not a room", sender.full)
        return None

    def value(var: str) -> str:
        field = form.field(var)
        return field.value.strip() if field is not None else ""

    if kind == REQUEST_FORM:
        nick = value("muc#roomnick")
        if not nick:
            return None
        return VoiceRequestReceived(room=room, nick=nick, jid=value("muc#jid"))
    return RegistrationRequestReceived(
        room=room, nick=value("muc#register_roomnick"), jid=value("muc#jid"), form=form
    )
