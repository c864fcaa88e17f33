"""XEP-0045 requests as data forms in messages: asking for voice (§7.13) and answering such a
request (§8.6); registering with a room (§7.10) and answering a registration request (§9.9).

A room sends a moderator (or an admin) the request as a message holding a ``muc#request``
(or ``muc#register``) form, usually without a body: slixmpp's "message" event would not fire,
so such messages are reported as :data:`FORM_MESSAGE_EVENT`; what they say is read in
`translate_room_requests.form_message`.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from xmpp_tui.core.forms import DataForm, FormField
from xmpp_tui.xmpp.forms import find_form, read_form, write_submission
from xmpp_tui.xmpp.iq import request
from xmpp_tui.xmpp.message_events import fire_on

DATA_NS = "jabber:x:data"
REGISTER_NS = "jabber:iq:register"
REQUEST_FORM = "http://jabber.org/protocol/muc#request"
REGISTER_FORM = "http://jabber.org/protocol/muc#register"

FORM_MESSAGE_EVENT = "room_form_message"


def register(client: Any) -> None:
    fire_on(client, FORM_MESSAGE_EVENT, f"{{{DATA_NS}}}x")


def _send_form(client: Any, room: str, fields: dict[str, str]) -> None:
    msg = client.make_message(mto=room)
    form = DataForm(fields=tuple(FormField(var=k, values=(v,)) for k, v in fields.items()))
    write_submission(msg.xml, form)
    msg.send()


def request_voice(client: Any, room: str) -> None:
    """§7.13: a visitor asks the room's moderators for voice."""
    _send_form(client, room, {"FORM_TYPE": REQUEST_FORM, "muc#role": "participant"})


def answer_voice(client: Any, room: str, jid: str, nick: str, allow: bool) -> None:
    """§8.6: a moderator approves (or denies) a voice request the room passed on."""
    fields = {"FORM_TYPE": REQUEST_FORM, "muc#role": "participant", "muc#roomnick": nick}
    if jid:
        fields["muc#jid"] = jid
    fields["muc#request_allow"] = "true" if allow else "false"
    _send_form(client, room, fields)


async def registration_form(client: Any, room: str, timeout: float) -> tuple[DataForm, str]:
    """§7.10: the room's registration form, and the nick we are registered under ("" if
    none; the form is then empty)."""
    iq = client.make_iq_get(ito=room)
    ET.SubElement(iq.xml, f"{{{REGISTER_NS}}}query")
    result = await request(iq, timeout)
    query = result.xml.find(f"{{{REGISTER_NS}}}query")
    if query is None:
        return DataForm(), ""
    if query.find(f"{{{REGISTER_NS}}}registered") is not None:
        username = query.find(f"{{{REGISTER_NS}}}username")
        return DataForm(), str((username.text if username is not None else "") or "?")
    form = find_form(query)
    return (read_form(form) if form is not None else DataForm()), ""


async def submit_registration(client: Any, room: str, form: DataForm, timeout: float) -> None:
    iq = client.make_iq_set(ito=room)
    query = ET.SubElement(iq.xml, f"{{{REGISTER_NS}}}query")
    write_submission(query, form)
    await request(iq, timeout)


def answer_registration(client: Any, room: str, form: DataForm, allow: bool) -> None:
    """§9.9: an admin approves (or denies) a registration request the room passed on: the
    same form back, with ``muc#register_allow``."""
    from dataclasses import replace

    fields = [f for f in form.fields if f.var != "muc#register_allow"]
    fields.append(FormField(var="muc#register_allow", values=("1" if allow else "0",)))
    msg = client.make_message(mto=room)
    write_submission(msg.xml, replace(form, fields=tuple(fields)))
    msg.send()
