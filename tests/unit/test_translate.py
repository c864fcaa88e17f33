"""xmpp/translate.py, the Any firewall, fed real slixmpp stanzas parsed from XML.

The stanza plugins the client loads (receipts, delay, stanza-id) are registered the way
their slixmpp plugins do it, so ``msg["delay"]`` and ``msg["request_receipt"]`` behave
as in a running client; no connection or event loop is needed.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

import pytest
from slixmpp import Iq, Message, Presence
from slixmpp.plugins.xep_0085.stanza import ChatState as ChatStateStanza
from slixmpp.plugins.xep_0184.stanza import Received, Request
from slixmpp.plugins.xep_0191.stanza import Block, BlockItem, BlockList, Unblock
from slixmpp.plugins.xep_0203.stanza import Delay
from slixmpp.plugins.xep_0359.stanza import OriginID, StanzaID
from slixmpp.xmlstream import register_stanza_plugin

from xmpp_tui.core.models import ChatState, ResourcePresence, RosterItem, Show, Subscription
from xmpp_tui.xmpp import translate
from xmpp_tui.xmpp.inbound import (
    ChatReceived,
    DisplayedReceived,
    PresenceReceived,
    ReceiptReceived,
    RosterLoaded,
    RosterPushed,
    SubscriptionRequest,
)

for plugin in (Request, Received, Delay, StanzaID, OriginID, ChatStateStanza):
    register_stanza_plugin(Message, plugin)
register_stanza_plugin(Presence, Delay)
for container in (BlockList, Block, Unblock):
    register_stanza_plugin(Iq, container)
    register_stanza_plugin(container, BlockItem, iterable=True)

OWN = "alice@example.org"
PEER = "bob@example.net"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SID = "urn:xmpp:sid:0"


def now() -> datetime:
    return NOW


def message(inner: str = "<body>hi</body>", **attributes: str) -> Any:
    attrs = {"from": f"{PEER}/phone", "to": f"{OWN}/tui", "type": "chat", "id": "m1"}
    attrs.update(attributes)
    shown = " ".join(f"{key}='{value}'" for key, value in attrs.items())
    return Message(xml=ET.fromstring(f"<message xmlns='jabber:client' {shown}>{inner}</message>"))


def iq(inner: str, **attributes: str) -> Any:
    attrs = {"type": "result", "id": "r1", "to": f"{OWN}/tui"}
    attrs.update(attributes)
    shown = " ".join(f"{key}='{value}'" for key, value in attrs.items())
    return Iq(xml=ET.fromstring(f"<iq xmlns='jabber:client' {shown}>{inner}</iq>"))


def presence(inner: str = "", **attributes: str) -> Any:
    attrs = {"from": f"{PEER}/phone", "to": OWN}
    attrs.update(attributes)
    shown = " ".join(f"{key}='{value}'" for key, value in attrs.items())
    return Presence(
        xml=ET.fromstring(f"<presence xmlns='jabber:client' {shown}>{inner}</presence>")
    )


def stanza_id(value: str, by: str = OWN) -> str:
    return f"<stanza-id xmlns='{SID}' id='{value}' by='{by}'/>"


def chat(inner: str = "<body>hi</body>", **attributes: str) -> ChatReceived | None:
    return translate.chat_message(message(inner, **attributes), own_bare=OWN, now=now)


def accepted(inner: str = "<body>hi</body>", **attributes: str) -> ChatReceived:
    received = chat(inner, **attributes)
    assert received is not None
    return received


# --------------------------------------------------------------------------- chat_message


def test_chat_message_with_everything() -> None:
    received = chat(
        "<body>hello</body><request xmlns='urn:xmpp:receipts'/>"
        f"<origin-id xmlns='{SID}' id='o1'/>" + stanza_id("s1")
    )
    assert received == ChatReceived(
        peer=PEER,
        sender=f"{PEER}/phone",
        body="hello",
        timestamp=NOW,
        message_id="m1",
        origin_id="o1",
        stanza_id="s1",
        receipt_requested=True,
    )


@pytest.mark.parametrize("kind", ["chat", "normal"])
def test_chat_and_normal_messages_with_a_body_are_chat(kind: str) -> None:
    received = accepted(type=kind)
    assert received.body == "hi"
    assert received.receipt_requested is False
    assert received.origin_id is None and received.stanza_id is None


def test_message_without_type_is_normal() -> None:
    stanza = Message(
        xml=ET.fromstring(
            f"<message xmlns='jabber:client' from='{PEER}/x'><body>hi</body></message>"
        )
    )
    received = translate.chat_message(stanza, own_bare=OWN, now=now)
    assert received is not None and received.message_id is None


@pytest.mark.parametrize("kind", ["groupchat", "headline", "error"])
def test_other_message_types_are_not_chat(kind: str) -> None:
    assert chat(type=kind) is None


@pytest.mark.parametrize(
    "inner", ["", "<body></body>", "<active xmlns='http://jabber.org/protocol/chatstates'/>"]
)
def test_message_without_body_is_not_chat(inner: str) -> None:
    assert chat(inner) is None


# --------------------------------------------------------------------------- stanza-id (T7)


def sid(inner: str) -> str | None:
    return translate.trusted_stanza_id(message(inner), by=OWN)


def test_one_stanza_id_by_own_account_is_trusted() -> None:
    assert sid(stanza_id("s1")) == "s1"


def test_stanza_id_by_someone_else_is_ignored() -> None:
    assert sid("") is None
    assert sid(stanza_id("s1", by=PEER)) is None
    assert sid(stanza_id("s1", by="example.org")) is None  # our server's domain, not us
    assert sid(stanza_id("s1", by=PEER) + stanza_id("s2")) == "s2"


def test_stanza_id_without_id_is_ignored() -> None:
    assert sid(f"<stanza-id xmlns='{SID}' by='{OWN}'/>") is None
    assert sid(f"<stanza-id xmlns='{SID}' id='' by='{OWN}'/>") is None


def test_stanza_id_in_another_namespace_is_ignored() -> None:
    assert sid(f"<stanza-id xmlns='urn:xmpp:sid:1' id='s1' by='{OWN}'/>") is None


def test_spoofed_stanza_id_next_to_the_genuine_one_gives_none(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """SECURITY.md T7: Prosody keeps the sender's <stanza-id by=victim> and adds its own."""
    spoofed = stanza_id("attacker-chosen")
    genuine = stanza_id("server-assigned")
    with caplog.at_level(logging.WARNING, logger="xmpp_tui.xmpp.translate"):
        assert sid(spoofed + genuine) is None
        assert accepted(f"<body>hi</body>{spoofed}{genuine}").stanza_id is None
    assert "2 stanza-ids" in caplog.text


# --------------------------------------------------------------------------- delay, origin-id


def delayed(stamp: str, by: str = "example.org") -> datetime:
    """A delay added by ``by`` (our server, example.org, unless told otherwise)."""
    inner = f"<body>hi</body><delay xmlns='urn:xmpp:delay' from='{by}' stamp='{stamp}'/>"
    return accepted(inner).timestamp


def test_a_live_message_cannot_date_itself() -> None:
    """Every <delay/> on a live message is ignored, even one naming our own server: the
    sender controls it (Prosody keeps it), and missed messages come from the archive."""
    assert delayed("2025-05-31T08:30:00Z") == NOW  # from our server (example.org)
    assert delayed("2001-01-01T12:34:00Z", by=PEER) == NOW
    assert delayed("2025-05-31T08:30:00Z", by=OWN) == NOW
    inner = "<body>hi</body><delay xmlns='urn:xmpp:delay' stamp='2001-01-01T12:34:00Z'/>"
    assert accepted(inner).timestamp == NOW  # no from at all


def test_no_delay_means_now() -> None:
    assert accepted().timestamp == NOW


def test_malformed_delay_stamp_means_now() -> None:
    assert delayed("yesterday") == NOW


def test_origin_id() -> None:
    assert accepted(f"<body>x</body><origin-id xmlns='{SID}' id='o-9'/>").origin_id == "o-9"
    assert accepted(f"<body>x</body><origin-id xmlns='{SID}' id=''/>").origin_id is None
    assert accepted(f"<body>x</body><origin-id xmlns='{SID}'/>").origin_id is None


def test_receipt() -> None:
    stanza = message("<received xmlns='urn:xmpp:receipts' id='m0'/>", type="normal")
    assert translate.receipt(stanza) == ReceiptReceived(peer=PEER, message_id="m0")
    assert translate.receipt(message()) is None


# --------------------------------------------------------------------------- roster

ROSTER_NS = "jabber:iq:roster"


def test_roster_result_with_items() -> None:
    result = translate.roster_result(
        iq(
            f"<query xmlns='{ROSTER_NS}' ver='v7'>"
            "<item jid='Carol@Example.COM' name='Carol' subscription='both'>"
            "<group>Work</group><group>Friends</group><group>Work</group></item>"
            "<item jid='dave@example.net' subscription='none' ask='subscribe'/>"
            "<item jid='erin@example.net' subscription='from' approved='true'/>"
            "<item jid='frank@example.net' subscription='bogus'/>"
            "</query>"
        )
    )
    assert result == RosterLoaded(
        version="v7",
        items=(
            RosterItem(
                jid="carol@example.com",
                name="Carol",
                groups=("Friends", "Work"),
                subscription=Subscription.BOTH,
            ),
            RosterItem(jid="dave@example.net", subscription=Subscription.NONE, pending_out=True),
            RosterItem(jid="erin@example.net", subscription=Subscription.FROM, approved=True),
        ),
    )


def test_roster_result_skips_invalid_jids_and_keeps_one_item_per_jid() -> None:
    result = translate.roster_result(
        iq(
            f"<query xmlns='{ROSTER_NS}'>"
            "<item jid='a@b@c' subscription='both'/>"
            "<item subscription='both'/>"
            "<item jid='dave@example.net' name='Old' subscription='none'/>"
            "<item jid='Dave@Example.NET/phone' name='New' subscription='to'/>"
            "</query>"
        )
    )
    assert result == RosterLoaded(
        version=None,
        items=(RosterItem(jid="dave@example.net", name="New", subscription=Subscription.TO),),
    )


def test_roster_result_with_empty_roster() -> None:
    result = translate.roster_result(iq(f"<query xmlns='{ROSTER_NS}' ver='v1'/>"))
    assert result == RosterLoaded(version="v1", items=())


def test_roster_without_version_has_no_version() -> None:
    """A server without roster versioning (RFC 6121 section 2.6) sends no ver."""
    result = translate.roster_result(iq(f"<query xmlns='{ROSTER_NS}'/>"))
    pushed = translate.roster_push(
        iq(f"<query xmlns='{ROSTER_NS}'><item jid='{PEER}'/></query>", type="set"), own_bare=OWN
    )
    assert pushed is not None
    assert (result.version, pushed.version) == (None, None)


def test_empty_roster_result_means_unchanged() -> None:
    """RFC 6121 section 2.6.3: an empty result when our cached version is current."""
    assert translate.roster_result(iq("")) == RosterLoaded(version=None, items=None)


def test_roster_item_without_jid_is_dropped() -> None:
    result = translate.roster_result(
        iq(f"<query xmlns='{ROSTER_NS}'><item subscription='both'/></query>")
    )
    assert result.items == ()


def push(inner: str, **attributes: str) -> RosterPushed | None:
    return translate.roster_push(iq(inner, type="set", **attributes), own_bare=OWN)


PUSH = (
    f"<query xmlns='{ROSTER_NS}' ver='v8'>"
    "<item jid='carol@example.com' name='C' subscription='to'/>"
    "<item jid='dave@example.net' subscription='remove'/>"
    "</query>"
)


def test_roster_push_without_from_is_accepted() -> None:
    assert push(PUSH) == RosterPushed(
        version="v8",
        changed=(RosterItem(jid="carol@example.com", name="C", subscription=Subscription.TO),),
        removed=("dave@example.net",),
    )


def test_roster_push_from_own_bare_jid_is_accepted() -> None:
    pushed = push(PUSH, **{"from": OWN})
    assert pushed is not None and pushed.removed == ("dave@example.net",)


@pytest.mark.parametrize(
    "sender", [PEER, f"{PEER}/phone", "example.org", "evil.example", f"{OWN}/other-device"]
)
def test_roster_push_from_anyone_else_is_rejected(sender: str) -> None:
    """RFC 6121 section 2.1.6 (the roster-push spoofing class of bugs)."""
    assert push(PUSH, **{"from": sender}) is None


# --------------------------------------------------------------------------- presence


def received_presence(inner: str = "", **attributes: str) -> PresenceReceived | None:
    return translate.presence(presence(inner, **attributes), own_bare=OWN)


@pytest.mark.parametrize(
    ("show", "expected"),
    [
        ("", Show.AVAILABLE),
        ("<show>chat</show>", Show.CHAT),
        ("<show>away</show>", Show.AWAY),
        ("<show>xa</show>", Show.XA),
        ("<show>dnd</show>", Show.DND),
        ("<show>bogus</show>", Show.AVAILABLE),
    ],
)
def test_presence_show(show: str, expected: Show) -> None:
    got = received_presence(show + "<status>at lunch</status><priority>-5</priority>")
    assert got == PresenceReceived(
        jid=PEER,
        resource="phone",
        presence=ResourcePresence(resource="phone", show=expected, status="at lunch", priority=-5),
    )


def test_unavailable_presence_has_no_presence() -> None:
    assert received_presence(type="unavailable") == PresenceReceived(
        jid=PEER, resource="phone", presence=None
    )


def test_unavailable_from_the_bare_jid_means_every_resource_is_gone() -> None:
    got = received_presence(type="unavailable", **{"from": PEER})
    assert got == PresenceReceived(jid=PEER, resource="", presence=None)


def test_priority_is_clamped_to_the_rfc_range() -> None:
    got = received_presence("<priority>1000</priority>")
    assert got is not None and got.presence is not None
    assert got.presence.priority == 127


@pytest.mark.parametrize("priority", ["high", "", "1.5"])
def test_garbage_priority_is_zero(priority: str) -> None:
    got = received_presence(f"<priority>{priority}</priority>")
    assert got is not None and got.presence is not None
    assert got.presence.priority == 0


def test_own_presence_and_bare_sender_are_ignored() -> None:
    assert received_presence(**{"from": f"{OWN}/laptop"}) is None
    assert received_presence(**{"from": PEER}) is None


def test_subscription_request_reads_the_nick() -> None:
    """XEP-0172: a nick in the subscription request."""
    nick = "<nick xmlns='http://jabber.org/protocol/nick'>Bobby</nick>"
    request = translate.subscription_request(
        presence(nick, type="subscribe", **{"from": PEER}), own_bare=OWN
    )
    assert request == SubscriptionRequest(jid=PEER, nick="Bobby")


def test_subscription_request_without_nick() -> None:
    request = translate.subscription_request(
        presence(type="subscribe", **{"from": f"{PEER}/x"}), own_bare=OWN
    )
    assert request == SubscriptionRequest(jid=PEER, nick="")


def test_subscription_request_from_own_account_is_ignored() -> None:
    stanza = presence(type="subscribe", **{"from": OWN})
    assert translate.subscription_request(stanza, own_bare=OWN) is None


# --------------------------------------------------------------------------- carbons (XEP-0280)


def carbon(inner: str = "<body>hi</body>", *, sent: bool, **attributes: str) -> ChatReceived | None:
    return translate.carbon(message(inner, **attributes), own_bare=OWN, now=now, sent=sent)


def test_received_carbon_is_an_incoming_message_without_receipt() -> None:
    got = carbon("<body>hi</body><request xmlns='urn:xmpp:receipts'/>", sent=False)
    assert got is not None
    assert (got.peer, got.outgoing, got.carbon, got.receipt_requested) == (PEER, False, True, False)


def test_sent_carbon_is_our_own_message_to_the_peer() -> None:
    got = carbon(sent=True, **{"from": f"{OWN}/phone", "to": f"{PEER}/laptop"})
    assert got is not None
    assert (got.peer, got.sender, got.outgoing) == (PEER, f"{OWN}/phone", True)


def test_sent_carbon_not_from_us_is_dropped() -> None:
    assert carbon(sent=True, **{"from": f"{PEER}/x", "to": OWN}) is None


def test_received_carbon_not_addressed_to_us_is_dropped() -> None:
    assert carbon(sent=False, **{"to": "carol@example.com/x"}) is None


def test_a_delivered_carbon_is_kept_even_if_marked_private() -> None:
    """<private/> asks the server for no copies; if one arrives anyway it was delivered
    (and archived), so dropping it would only make it appear later from the archive."""
    assert carbon("<body>hi</body><private xmlns='urn:xmpp:carbons:2'/>", sent=False)
    assert carbon("<body>hi</body><no-copy xmlns='urn:xmpp:hints'/>", sent=False)


def test_private_message_in_a_room_is_the_occupants_not_a_contacts() -> None:
    """XEP-0045 §7.5: keyed by room/nick (the service checks we are in the room)."""
    muc = "<body>psst</body><x xmlns='http://jabber.org/protocol/muc#user'/>"
    occupant = "room@muc.example.org/nick"
    got = chat(muc, **{"from": occupant})
    assert got is not None and (got.peer, got.sender, got.private) == (occupant, occupant, True)
    # Carbons of private messages (XEP-0280): attributed to the occupant, both ways.
    got = carbon(muc, sent=False, **{"from": occupant})
    assert got is not None and (got.peer, got.private, got.outgoing) == (occupant, True, False)
    got = carbon(muc, sent=True, **{"from": f"{OWN}/phone", "to": occupant})
    assert got is not None and (got.peer, got.private, got.outgoing) == (occupant, True, True)
    assert got.sender == f"{OWN}/phone"
    # A sent carbon to the room itself (no nick) is no private message; nor one from others.
    assert carbon(muc, sent=True, **{"from": f"{OWN}/phone", "to": "room@muc.example.org"}) is None
    assert carbon(muc, sent=True, **{"from": f"{PEER}/x", "to": occupant}) is None
    # An invitation (muc#user with content) or a room's own notice is no chat line.
    invite = "<body>join</body><x xmlns='http://jabber.org/protocol/muc#user'><invite/></x>"
    assert chat(invite, **{"from": "room@muc.example.org", "type": "normal"}) is None
    assert chat(muc, **{"from": "room@muc.example.org"}) is None


# --------------------------------------------------------------------------- chat states (XEP-0085)


def test_chat_state_from_a_contact() -> None:
    msg = message("<composing xmlns='http://jabber.org/protocol/chatstates'/>")
    got = translate.chat_state(msg, own_bare=OWN)
    assert got is not None and (got.peer, got.state) == (PEER, ChatState.COMPOSING)


def test_chat_state_ignored_for_groupchat_and_ourselves() -> None:
    state = "<composing xmlns='http://jabber.org/protocol/chatstates'/>"
    assert translate.chat_state(message(state, type="groupchat"), own_bare=OWN) is None
    assert translate.chat_state(message(state, **{"from": f"{OWN}/phone"}), own_bare=OWN) is None
    assert translate.chat_state(message("<body>no state</body>"), own_bare=OWN) is None


# --------------------------------------------------------------------------- blocking (XEP-0191)

BLOCK_NS = "urn:xmpp:blocking"


def block_iq(kind: str, items: str, **attributes: str) -> Any:
    return iq(f"<{kind} xmlns='{BLOCK_NS}'>{items}</{kind}>", type="set", **attributes)


def test_block_push_keeps_each_jid_as_given() -> None:
    """A full JID blocks one device, a bare JID an account, a domain a server."""
    items = f"<item jid='{PEER}/phone'/><item jid='Carol@Example.com'/><item jid='spam.example'/>"
    got = translate.block_push(block_iq("block", items), own_bare=OWN, blocked=True)
    assert got is not None
    assert got.jids == (f"{PEER}/phone", "carol@example.com", "spam.example")  # sorted


def test_unblock_push_with_an_invalid_item_is_not_unblock_all() -> None:
    pushed = block_iq("unblock", "<item jid='a@b@c'/>")
    assert translate.block_push(pushed, own_bare=OWN, blocked=False) is None


def test_block_push_from_anyone_else_is_refused() -> None:
    items = f"<item jid='{PEER}'/>"
    for sender in (PEER, f"{OWN}/other", "example.org"):
        pushed = block_iq("block", items, **{"from": sender})
        assert translate.block_push(pushed, own_bare=OWN, blocked=True) is None


def test_unblock_with_no_items_means_everyone() -> None:
    got = translate.block_push(block_iq("unblock", ""), own_bare=OWN, blocked=False)
    assert got is not None and got.jids == ()
    assert translate.block_push(block_iq("block", ""), own_bare=OWN, blocked=True) is None


# --------------------------------------------------------------------------- archive (XEP-0313)


def _archive_result(inner_from: str, inner_to: str, **attributes: str) -> Any:
    from slixmpp.plugins.xep_0297.stanza import Forwarded
    from slixmpp.plugins.xep_0313.stanza import Result

    register_stanza_plugin(Message, Result)
    register_stanza_plugin(Result, Forwarded)
    register_stanza_plugin(Forwarded, Message, iterable=True)
    register_stanza_plugin(Forwarded, Delay)
    inner = (
        f"<message xmlns='jabber:client' type='chat' from='{inner_from}' to='{inner_to}'>"
        "<body>archived</body></message>"
    )
    return message(
        "<result xmlns='urn:xmpp:mam:2' queryid='q1' id='ARCHIVE-ID'>"
        "<forwarded xmlns='urn:xmpp:forward:0'>"
        "<delay xmlns='urn:xmpp:delay' stamp='2025-05-31T08:30:00Z'/>"
        f"{inner}</forwarded></result>",
        **attributes,
    )


def test_archived_message_from_our_archive() -> None:
    result = _archive_result(f"{PEER}/phone", f"{OWN}/tui", **{"from": OWN})
    got = translate.archived(result, own_bare=OWN, now=now)
    assert got is not None
    assert (got.peer, got.stanza_id, got.outgoing) == (PEER, "ARCHIVE-ID", False)
    assert got.timestamp == datetime(2025, 5, 31, 8, 30, tzinfo=UTC)


def test_archived_message_we_sent_is_ours() -> None:
    result = _archive_result(f"{OWN}/phone", PEER, **{"from": OWN})
    got = translate.archived(result, own_bare=OWN, now=now)
    assert got is not None and (got.peer, got.outgoing) == (PEER, True)


def test_archive_result_from_anyone_else_is_a_forgery() -> None:
    for sender in (PEER, f"{OWN}/other", "example.org"):
        result = _archive_result(f"{PEER}/x", OWN, **{"from": sender})
        assert translate.archived(result, own_bare=OWN, now=now) is None


def test_archived_message_between_others_is_refused() -> None:
    result = _archive_result(f"{PEER}/x", "carol@example.com", **{"from": OWN})
    assert translate.archived(result, own_bare=OWN, now=now) is None


def test_archive_result_without_a_message_is_ignored() -> None:
    from slixmpp.plugins.xep_0297.stanza import Forwarded
    from slixmpp.plugins.xep_0313.stanza import Result

    register_stanza_plugin(Message, Result)
    register_stanza_plugin(Result, Forwarded)
    empty = message(
        "<result xmlns='urn:xmpp:mam:2' queryid='q1' id='X'>"
        "<forwarded xmlns='urn:xmpp:forward:0'/></result>",
        **{"from": OWN},
    )
    assert translate.archived(empty, own_bare=OWN, now=now) is None


CORRECT_NS = "urn:xmpp:message-correct:0"
MARKERS_NS = "urn:xmpp:chat-markers:0"


def test_correction_and_markable_are_read() -> None:
    fact = chat(
        f"<body>fixed</body><replace xmlns='{CORRECT_NS}' id='m0'/><markable xmlns='{MARKERS_NS}'/>"
    )
    assert fact is not None
    assert (fact.replace_id, fact.markable, fact.body) == ("m0", True, "fixed")
    plain = chat()
    assert plain is not None and (plain.replace_id, plain.markable) == (None, False)
    empty_id = chat(f"<body>x</body><replace xmlns='{CORRECT_NS}' id=''/>")
    assert empty_id is not None and empty_id.replace_id is None


def test_displayed_marker_from_a_contact_and_from_our_other_device() -> None:
    marker = message(f"<displayed xmlns='{MARKERS_NS}' id='out-1'/>")
    assert translate.displayed(marker, own_bare=OWN) == DisplayedReceived(
        peer=PEER, message_id="out-1"
    )
    no_id = message(f"<displayed xmlns='{MARKERS_NS}'/>")
    assert translate.displayed(no_id, own_bare=OWN) is None
    groupchat = message(f"<displayed xmlns='{MARKERS_NS}' id='x'/>", type="groupchat")
    assert translate.displayed(groupchat, own_bare=OWN) is None
    # inside a "sent" carbon: we displayed bob's message on another device
    ours = message(
        f"<displayed xmlns='{MARKERS_NS}' id='their-1'/>", **{"from": f"{OWN}/phone", "to": PEER}
    )
    assert translate.carbon_displayed(ours, own_bare=OWN) == DisplayedReceived(
        peer=PEER, message_id="their-1", own=True
    )
    # a "sent" copy must come from our own account
    assert translate.carbon_displayed(marker, own_bare=OWN) is None
