"""The demo's other people: Bob (a bot that answers and changes presence) and Carol.

Run as a child process by ``world.py``: ``python -m xmpp_tui.demo.bot SPEC.json``. The spec
(0600, in the demo's private directory) names the port, the CA file, the room and the
accounts with their passwords. The bot:

1. logs in as each demo account the client will open, once, without presence, to leave
   a bookmark (autojoin) for the demo room, then logs out;
2. logs in Bob and Carol; Bob creates the room (persistent, with a subject), both say a
   few lines (the room's history); each greets the client's accounts;
3. prints ``ready`` on stdout; then Bob answers chat messages (with a "typing..." first),
   answers in the room when named, and changes his presence every few seconds;
4. exits when its parent goes away, or on SIGTERM.

Everything said here is fixed text or the user's own words sent back to the user.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

log = logging.getLogger("xmpp_tui.demo.bot")

READY = "ready"
TIMEOUT = 10.0
#: How long a killed client's Prosody gets to exit before its directory is removed.
SHUTDOWN_WAIT = 10.0
MUC = "http://jabber.org/protocol/muc"
MUC_USER = f"{MUC}#user"
MUC_OWNER = f"{MUC}#owner"
CHAT_STATES = "http://jabber.org/protocol/chatstates"
DATA = "jabber:x:data"
#: Bob's presence changes, in turn: (show, status).
PRESENCES = (
    ("chat", "Free for chat: say hi!"),
    ("", "Answering messages"),
    ("away", "Getting coffee"),
    ("dnd", "Reading XEPs"),
)
PRESENCE_EVERY = 6.0
ECHO_LIMIT = 200

HELP = (
    "I'm Bob, the demo bot. Things to try: write me anything and I answer; "
    "/me waves; Ctrl+E edits your last message; /join another@conference.localhost "
    "opens a new room; Alt+1..9 switch panes; /help lists every command; "
    "/quit ends the demo (the demo server and its files go away)."
)
ROOM_LINES = (
    ("bob", "Welcome to the demo room! Everything here runs on your machine."),
    ("carol", "Hi, I'm Carol. This is a real XEP-0045 room on a private Prosody."),
    ("bob", "Say my name in here and I answer; write to me directly for tips ('help')."),
    ("carol", "When you quit, the server and all its files are removed."),
)


@dataclass(frozen=True, slots=True)
class Spec:
    """What the bot needs to know, read from the spec file."""

    port: int
    cafile: str
    room: str
    room_name: str
    #: user -> password, for every account on the server.
    passwords: dict[str, str]
    #: The accounts the client opens: user -> nick in the room.
    client_accounts: dict[str, str]
    #: The demo's private directory and its Prosody: cleaned up by the bot if the client
    #: dies without doing it (SIGKILL).
    root: str = ""
    prosody_pid: int = 0
    domain: str = "localhost"

    @classmethod
    def load(cls, path: Path) -> Spec:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            port=int(data["port"]),
            cafile=str(data["cafile"]),
            room=str(data["room"]),
            room_name=str(data["room_name"]),
            passwords={str(k): str(v) for k, v in data["passwords"].items()},
            client_accounts={str(k): str(v) for k, v in data["client_accounts"].items()},
            root=str(data.get("root", "")),
            prosody_pid=int(data.get("prosody_pid", 0)),
        )

    def jid(self, user: str) -> str:
        return f"{user}@{self.domain}"


async def login(spec: Spec, user: str, *, presence: Any = True) -> Any:
    """A logged-in slixmpp client for ``user`` (built inside the running loop)."""
    import slixmpp

    from xmpp_tui.xmpp.features import bookmarks

    client = slixmpp.ClientXMPP(f"{spec.jid(user)}/demo", spec.passwords[user])
    client.ca_certs = Path(spec.cafile)
    client.enable_plaintext = False
    client.enable_direct_tls = False
    client.enable_starttls = True
    client.auto_authorize = True
    client.auto_subscribe = True
    for plugin in ("xep_0030", "xep_0060", "xep_0163", "xep_0223", "xep_0402", "xep_0199"):
        client.register_plugin(plugin)
    bookmarks.register(client)
    outcome: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def settle(result: str) -> Any:
        def handler(_event: Any) -> None:
            if not outcome.done():
                outcome.set_result(result)

        return handler

    client.add_event_handler("session_start", settle("ok"))
    client.add_event_handler("failed_all_auth", settle("authentication failed"))
    client.add_event_handler("connection_failed", settle("connection failed"))
    client.connect("127.0.0.1", spec.port)
    result = await asyncio.wait_for(outcome, TIMEOUT)
    if result != "ok":
        raise RuntimeError(f"{user} could not log in: {result}")
    await client.get_roster(timeout=TIMEOUT)
    if presence:
        client.send_presence()
    return client


async def leave_bookmark(spec: Spec, user: str, nick: str) -> None:
    """Log in as a client account (no presence) and bookmark the room with autojoin."""
    from xmpp_tui.core.jid import parse_jid
    from xmpp_tui.core.models import Bookmark
    from xmpp_tui.xmpp.features import bookmarks

    client = await login(spec, user, presence=False)
    room = parse_jid(spec.room).bare
    try:
        await bookmarks.edit_native(
            client,
            spec.room,
            lambda _old: Bookmark(jid=room, name=spec.room_name, nick=nick, autojoin=True),
            TIMEOUT,
        )
    finally:
        await disconnect(client)


async def disconnect(client: Any) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(client.disconnect(), 3.0)


async def join(client: Any, room: str, nick: str, config: dict[str, str]) -> None:
    """Enter ``room`` (no history); a room we create is configured with ``config``."""
    own: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def on_presence(pres: Any) -> None:
        if str(pres["from"]) == f"{room}/{nick}" and not own.done():
            own.set_result(pres)

    client.add_event_handler("presence", on_presence)
    try:
        pres = client.make_presence(pto=f"{room}/{nick}")
        x = ET.SubElement(pres.xml, f"{{{MUC}}}x")
        ET.SubElement(x, f"{{{MUC}}}history", maxstanzas="0")
        pres.send()
        answer = await asyncio.wait_for(own, TIMEOUT)
    finally:
        client.del_event_handler("presence", on_presence)
    if answer["type"] == "error":
        raise RuntimeError(f"{nick} could not join {room}")
    codes = {s.get("code") for s in answer.xml.iter(f"{{{MUC_USER}}}status")}
    if "201" in codes:
        iq = client.make_iq_set(ito=room)
        query = ET.SubElement(iq.xml, f"{{{MUC_OWNER}}}query")
        form = ET.SubElement(query, f"{{{DATA}}}x", type="submit")
        for var, value in {"FORM_TYPE": f"{MUC}#roomconfig", **config}.items():
            field = ET.SubElement(form, f"{{{DATA}}}field", var=var)
            ET.SubElement(field, f"{{{DATA}}}value").text = value
        await iq.send(timeout=TIMEOUT)


def answer_to(text: str) -> str:
    """Bob's answer to a chat message (pure, for the tests)."""
    words = text.split()
    lowered = text.strip().lower().rstrip("!?.")
    if lowered in ("help", "?", "/help"):
        return HELP
    if lowered in ("hi", "hello", "hey", "hallo", "salut", "hej"):
        return "Hello! Nice to meet you. Write 'help' for things to try."
    shown = text if len(text) <= ECHO_LIMIT else text[: ECHO_LIMIT - 1] + "…"
    plural = "" if len(words) == 1 else "s"
    return f"You said “{shown}” ({len(words)} word{plural}). Write 'help' for things to try."


class Bob:
    """The bot's behaviour once the demo is up."""

    def __init__(self, spec: Spec, bob: Any, nick: str) -> None:
        self.spec = spec
        self.client = bob
        self.nick = nick
        self._tasks: set[asyncio.Task[None]] = set()
        bob.add_event_handler("message", self._on_message)  # groupchat too (no xep_0045)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_message(self, msg: Any) -> None:
        if msg["type"] == "groupchat":
            self._on_groupchat(msg)
            return
        if msg["type"] not in ("chat", "normal") or not msg["body"]:
            return
        if msg.xml.find("{urn:xmpp:delay}delay") is not None:
            return  # offline or archived: old news
        self._spawn(self._answer(str(msg["from"].bare), str(msg["body"])))

    async def _answer(self, to: str, text: str) -> None:
        self._chat_state(to, "composing")
        await asyncio.sleep(0.8)
        reply = self.client.make_message(mto=to, mbody=answer_to(text), mtype="chat")
        ET.SubElement(reply.xml, f"{{{CHAT_STATES}}}active")
        reply.send()

    def _chat_state(self, to: str, state: str) -> None:
        msg = self.client.make_message(mto=to, mtype="chat")
        ET.SubElement(msg.xml, f"{{{CHAT_STATES}}}{state}")
        ET.SubElement(msg.xml, "{urn:xmpp:hints}no-store")
        msg.send()

    def _on_groupchat(self, msg: Any) -> None:
        sender = str(msg["from"].resource)
        body = str(msg["body"])
        if str(msg["from"].bare) != self.spec.room or sender == self.nick or not body:
            return
        if msg.xml.find("{urn:xmpp:delay}delay") is not None:
            return
        if self.nick.lower() in body.lower():
            self._spawn(self._answer_room(sender))

    async def _answer_room(self, sender: str) -> None:
        await asyncio.sleep(0.5)
        text = f"{sender}: that's me! Write to me directly for tips (try 'help')."
        self.client.make_message(mto=self.spec.room, mbody=text, mtype="groupchat").send()

    async def change_presence(self) -> None:
        for show, status in itertools.cycle(PRESENCES):
            if show:
                self.client.send_presence(pshow=show, pstatus=status)
            else:
                self.client.send_presence(pstatus=status)
            await asyncio.sleep(PRESENCE_EVERY)


async def run(spec: Spec, stop: asyncio.Event) -> None:
    await asyncio.gather(
        *(leave_bookmark(spec, user, nick) for user, nick in spec.client_accounts.items())
    )
    bob, carol = await asyncio.gather(login(spec, "bob"), login(spec, "carol"))
    room_config = {
        "muc#roomconfig_roomname": spec.room_name,
        "muc#roomconfig_persistentroom": "1",
        "muc#roomconfig_publicroom": "1",
    }
    await join(bob, spec.room, "Bob", room_config)
    await join(carol, spec.room, "Carol", {})
    subject = bob.make_message(mto=spec.room, mtype="groupchat")
    subject["subject"] = "Welcome to the xmpp-tui demo"
    subject.send()
    speakers = {"bob": bob, "carol": carol}
    for who, line in ROOM_LINES:
        speakers[who].make_message(mto=spec.room, mbody=line, mtype="groupchat").send()
        # Two streams: wait until the server has this line before the other speaks.
        await speakers[who].plugin["xep_0199"].ping(spec.domain, timeout=TIMEOUT)
    for user in spec.client_accounts:
        to = spec.jid(user)
        greeter = bob if user == next(iter(spec.client_accounts)) else carol
        text = (
            "Hi! I'm Bob, the demo bot. Write me anything (try 'help')."
            if greeter is bob
            else "Hi, Carol here. This is your second demo account: one window, many accounts."
        )
        greeter.make_message(mto=to, mbody=text, mtype="chat").send()
    # Let the server take it all in before the client logs in.
    await bob.plugin["xep_0199"].ping(spec.domain, timeout=TIMEOUT)
    await carol.plugin["xep_0199"].ping(spec.domain, timeout=TIMEOUT)
    carol.send_presence(pshow="away", pstatus="In a meeting")
    bot = Bob(spec, bob, "Bob")
    sys.stdout.write(READY + "\n")
    sys.stdout.flush()
    presence = asyncio.get_running_loop().create_task(bot.change_presence())
    try:
        await stop.wait()
    finally:
        presence.cancel()
        await asyncio.gather(disconnect(bob), disconnect(carol))


async def _main(spec_path: Path) -> int:
    spec = Spec.load(spec_path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    parent = os.getppid()

    async def watch_parent() -> None:
        while os.getppid() == parent:  # noqa: ASYNC110 - nothing to wait on but time
            await asyncio.sleep(1.0)
        # The client died without cleaning up: do it before anything that may take time
        # (signing out of a server that is about to go), so a busy machine cannot leave it.
        clean_up_after(spec)
        stop.set()

    watcher = loop.create_task(watch_parent())
    try:
        await run(spec, stop)
    finally:
        watcher.cancel()
    if os.getppid() != parent:
        clean_up_after(spec)
    return 0


def clean_up_after(spec: Spec) -> None:
    """The client died without cleaning up: stop its Prosody (only if that pid still runs
    our config from the demo directory) and remove the demo directory."""
    root = Path(spec.root)
    if not spec.root or not root.name.startswith("xmpp-tui-demo-"):
        return
    config = str(root / "prosody" / "prosody.cfg.lua").encode()
    try:
        cmdline = Path(f"/proc/{spec.prosody_pid}/cmdline").read_bytes()
    except OSError:
        cmdline = b""
    if spec.prosody_pid > 0 and config in cmdline.split(b"\0"):
        with contextlib.suppress(ProcessLookupError):
            os.kill(spec.prosody_pid, signal.SIGTERM)
        # Prosody writes its data and log while it shuts down: removing the directory under
        # it could let it make part of it again.
        _wait_gone(spec.prosody_pid, SHUTDOWN_WAIT)
    shutil.rmtree(root, ignore_errors=True)


def _wait_gone(pid: int, timeout: float) -> None:
    """Until ``pid`` has exited (gone, or a zombie nobody reaped yet), at most ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text("ascii", "replace")
        except OSError:
            return
        if stat.rpartition(")")[2].split()[:1] == ["Z"]:
            return
        time.sleep(0.05)


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if len(argv) != 1:
        sys.stderr.write("usage: python -m xmpp_tui.demo.bot SPEC.json\n")
        return 2
    try:
        return asyncio.run(_main(Path(argv[0])))
    except Exception as exc:  # the parent shows one line; the details go to the log
        log.exception("demo bot failed")
        sys.stdout.write(f"failed: {type(exc).__name__}: {exc}\n")
        sys.stdout.flush()
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
