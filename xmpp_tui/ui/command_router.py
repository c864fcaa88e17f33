"""Turn a parsed slash command (or plain text) into actions: core commands or UI actions.

Pure: no widgets, no service. The main screen executes what comes back, so the mapping from the
command table to behaviour is unit-tested on its own (tests/unit/test_command_router.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from xmpp_tui.core import commands as cmd
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.jid import parse_bare_jid, parse_jid
from xmpp_tui.core.models import AccountId, BareJid, Bookmark, CertificateInfo, Show
from xmpp_tui.core.sanitize import sanitize_identifier
from xmpp_tui.core.slash import ParsedCommand, help_text
from xmpp_tui.ui import push_routes, room_admin_routes, room_request_routes


@dataclass(frozen=True, slots=True)
class OpenChat:
    account: AccountId
    peer: BareJid


@dataclass(frozen=True, slots=True)
class OpenRoom:
    """Show ``room``'s pane (a group chat), creating it if needed."""

    account: AccountId
    room: BareJid


@dataclass(frozen=True, slots=True)
class ClosePane:
    pass


@dataclass(frozen=True, slots=True)
class ShowHelp:
    text: str


@dataclass(frozen=True, slots=True)
class Quit:
    pass


@dataclass(frozen=True, slots=True)
class ShowInfo:
    """A plain-text answer for the console (e.g. ``/account``)."""

    text: str


@dataclass(frozen=True, slots=True)
class ShowActivity:
    """Open the activity view: unread conversations across every account."""


@dataclass(frozen=True, slots=True)
class UseAccount:
    """From now on, commands typed in the console act on ``account``."""

    account: AccountId


@dataclass(frozen=True, slots=True)
class OpenAccountSetup:
    """``/addaccount``: the "Add account" screen."""


@dataclass(frozen=True, slots=True)
class ForgetAccount:
    """``/forgetaccount JID``: ask, then remove it from the config, the keyring and this run."""

    account: AccountId


@dataclass(frozen=True, slots=True)
class SetTheme:
    """``/theme``: list the themes (``name`` None) or switch to ``name``."""

    name: str | None


@dataclass(frozen=True, slots=True)
class ShowLines:
    """A multi-line plain-text answer for the console (e.g. ``/blocked``), one item a line."""

    text: str


@dataclass(frozen=True, slots=True)
class AnswerRoomRequests:
    """Ask about each voice or registration request waiting in ``room`` (XEP-0045 §8.6, §9.9)."""

    account: AccountId
    room: BareJid


UiAction = (
    OpenChat
    | OpenRoom
    | ClosePane
    | ShowHelp
    | Quit
    | ShowInfo
    | ShowLines
    | ShowActivity
    | UseAccount
    | OpenAccountSetup
    | ForgetAccount
    | SetTheme
    | AnswerRoomRequests
)
Action = cmd.Command | UiAction


@dataclass(frozen=True, slots=True)
class RouteContext:
    """Where the user typed: the pane's account (the console's account there) and peer, if any.

    ``accounts`` are the open accounts, ``console_account`` the one console commands act on,
    ``blocked`` the block list (XEP-0191) of ``account``.
    """

    account: AccountId | None
    peer: BareJid | None = None
    certificates: Mapping[AccountId, CertificateInfo] = field(default_factory=dict)
    accounts: tuple[AccountId, ...] = ()
    console_account: AccountId | None = None
    blocked: frozenset[BareJid] = frozenset()
    #: Rooms (group chats) of ``account`` and its bookmarks.
    rooms: frozenset[BareJid] = frozenset()
    bookmarks: tuple[Bookmark, ...] = ()
    #: In a room's pane: the nicks in the room now (remote text, matched exactly).
    occupants: tuple[str, ...] = ()
    #: Each open account's connection state in a few words ("online", "failed: ...").
    connections: Mapping[AccountId, str] = field(default_factory=dict)


#: Words accepted first by /status, mapped to presence; "online" is what people type.
STATUS_WORDS: dict[str, Show] = {
    "online": Show.AVAILABLE,
    "available": Show.AVAILABLE,
    "chat": Show.CHAT,
    "away": Show.AWAY,
    "xa": Show.XA,
    "dnd": Show.DND,
}


def _account(ctx: RouteContext) -> AccountId:
    if ctx.account is None:
        raise UserFacingError("No account is open", "Start xmpp-tui with your JID")
    return ctx.account


def _jid(text: str) -> BareJid:
    return parse_bare_jid(text).bare


def _contact(text: str) -> BareJid:
    """A contact's address: ``bob`` or ``c`` (no local part, no dot) is refused, not sent to a
    domain called ``c``. ``bob@localhost`` and a gateway's ``irc.example.org`` are fine."""
    parsed = parse_bare_jid(text)
    if not parsed.local and "." not in parsed.domain:
        raise UserFacingError(
            f"{text.strip()} is not a full address; use name@example.org",
            "A contact's address has a name, an @ and a domain",
        )
    return parsed.bare


def _target(args: Sequence[str], ctx: RouteContext, command: str) -> BareJid:
    """The JID argument, or the current conversation's peer when it is left out."""
    if args:
        return _contact(args[0])
    if ctx.peer is None:
        raise UserFacingError(f"/{command} needs a JID", f"Type /{command} name@example.org")
    return ctx.peer


def _refuse_blocked(peer: BareJid, ctx: RouteContext) -> None:
    """Nothing is sent to a blocked JID (the server would bounce it): say how to undo it."""
    if peer in ctx.blocked:
        raise UserFacingError(f"You blocked {peer}: /unblock {peer} to write to them")


def _msg(args: Sequence[str], ctx: RouteContext) -> list[Action]:
    account = _account(ctx)
    named = _named_occupant(args, ctx)
    if named is not None:
        peer, text = named
    else:
        peer, text = _occupant(args[0], ctx) or _contact(args[0]), " ".join(args[1:])
    actions: list[Action] = [OpenChat(account, peer)]
    if text.strip():
        _refuse_blocked(peer, ctx)
        actions.append(cmd.SendMessage(account=account, peer=peer, body=text))
    return actions


def _named_occupant(args: Sequence[str], ctx: RouteContext) -> tuple[BareJid, str] | None:
    """In a room's pane, the occupant whose nick the words start with (the longest, so a nick
    may hold spaces, "@" or "/": an occupant called bob@example.org is not the contact) and
    the rest of the text."""
    if ctx.peer not in ctx.rooms or not ctx.occupants:
        return None
    words = " ".join(args)
    for nick in sorted(ctx.occupants, key=len, reverse=True):
        if nick and (words == nick or words.startswith(nick + " ")):
            return f"{ctx.peer}/{nick}", words[len(nick) :].strip()
    return None


def _occupant(text: str, ctx: RouteContext) -> BareJid | None:
    """``/msg NICK`` in a room's pane, or ``/msg room@service/NICK`` for a room of ours: the
    occupant's room/nick JID (a private conversation, XEP-0045 §7.5); None otherwise."""
    if "@" not in text and "/" not in text and ctx.peer in ctx.rooms:
        return parse_jid(f"{ctx.peer}/{text.strip()}").full
    if "/" in text:
        parsed = parse_jid(text)
        if parsed.bare in ctx.rooms and parsed.resource:
            return parsed.full
    return None


def _add(args: Sequence[str], ctx: RouteContext) -> list[Action]:
    name = " ".join(args[1:])
    return [cmd.AddContact(account=_account(ctx), jid=_contact(args[0]), name=name)]


def _rename(args: Sequence[str], ctx: RouteContext) -> list[Action]:
    name = " ".join(args[1:])
    return [cmd.RenameContact(account=_account(ctx), jid=_contact(args[0]), name=name)]


def _group(args: Sequence[str], ctx: RouteContext) -> list[Action]:
    groups = tuple(dict.fromkeys(g for g in args[1:] if g))
    return [cmd.SetGroups(account=_account(ctx), jid=_contact(args[0]), groups=groups)]


def _status(rest: str, ctx: RouteContext) -> list[Action]:
    """``/status``, ``/status SHOW [text]``, or ``/status text`` (available, with all the text)."""
    account = _account(ctx)
    words = rest.split(maxsplit=1)
    show = STATUS_WORDS.get(words[0].casefold()) if words else None
    if show is None:
        return [cmd.SetPresence(account=account, show=Show.AVAILABLE, status=rest.strip())]
    text = words[1].strip() if len(words) > 1 else ""
    return [cmd.SetPresence(account=account, show=show, status=text)]


def _me(rest: str, ctx: RouteContext) -> list[Action]:
    """XEP-0245: the body is "/me " and the text, as typed."""
    peer = _pane_peer(ctx, "me")
    return [cmd.SendMessage(account=_account(ctx), peer=peer, body=f"/me {rest}")]


def _correct(rest: str, ctx: RouteContext) -> list[Action]:
    peer = _pane_peer(ctx, "correct")
    return [cmd.CorrectMessage(account=_account(ctx), peer=peer, body=rest)]


def _pane_peer(ctx: RouteContext, command: str) -> BareJid:
    if ctx.peer is None:
        raise UserFacingError(
            f"/{command} works in a conversation; this is the console",
            "Open one with /msg name@example.org",
        )
    _refuse_blocked(ctx.peer, ctx)
    return ctx.peer


def _trust(_args: Sequence[str], ctx: RouteContext) -> list[Action]:
    account = _account(ctx)
    certificate = ctx.certificates.get(account)
    if certificate is None:
        raise UserFacingError(
            f"No rejected certificate to trust for {account}",
            "/trust applies to the last certificate the server was refused for",
        )
    return [cmd.TrustCertificate(account=account, sha256=certificate.sha256)]


def _for_account(
    make: Callable[[AccountId], cmd.Command],
) -> Callable[[Sequence[str], RouteContext], list[Action]]:
    """Commands about a whole account: the one named, else the pane's."""

    def handler(args: Sequence[str], ctx: RouteContext) -> list[Action]:
        return [make(_jid(args[0]) if args else _account(ctx))]

    return handler


def chosen_account(option: str, accounts: Sequence[AccountId]) -> AccountId:
    """The open account ``--account JID`` names; a clear error listing them otherwise."""
    listed = ", ".join(accounts) or "none"
    try:
        jid = _jid(option)
    except UserFacingError as error:
        raise UserFacingError(
            f"--account {option}: {error.message}", f"Open accounts: {listed}"
        ) from error
    if jid not in accounts:
        raise UserFacingError(f"--account {jid} is not an open account", f"Open accounts: {listed}")
    return jid


def _use_account(args: Sequence[str], ctx: RouteContext) -> list[Action]:
    """``/account``: every open account and its state; ``/account JID``: console commands act on
    JID; ``/account connect|disconnect [JID]``: as ``/connect`` and ``/disconnect``."""
    if not ctx.accounts:
        raise UserFacingError("No account is open", "Start xmpp-tui with your JID")
    if not args:
        return [ShowLines(account_lines(ctx))]
    verb = args[0].lower()
    if verb in ("connect", "disconnect"):
        account = chosen_account(args[1], ctx.accounts) if len(args) > 1 else _account(ctx)
        if verb == "connect":
            return [cmd.Connect(account=account)]
        return [cmd.Disconnect(account=account)]
    if len(args) > 1:
        raise UserFacingError(
            f'/account: "{args[0]}" is not connect or disconnect',
            "Usage: /account [connect|disconnect] [JID]",
        )
    jid = _jid(args[0])
    if jid not in ctx.accounts:
        listed = ", ".join(ctx.accounts)
        raise UserFacingError(f"{jid} is not an open account", f"Open accounts: {listed}")
    return [UseAccount(jid)]


def account_lines(ctx: RouteContext) -> str:
    """``/account``: one account a line with its state; ``*`` marks the console's."""
    current = ctx.console_account if ctx.console_account in ctx.accounts else ctx.accounts[0]
    lines = [f"Accounts ({len(ctx.accounts)}), * = console commands act on it:"]
    for account in ctx.accounts:
        mark = "*" if account == current else " "
        state = ctx.connections.get(account, "offline")
        lines.append(f"{mark} {account}: {sanitize_identifier(state)}")
    lines.append("/account JID chooses; /account connect|disconnect JID")
    return "\n".join(lines)


def _info(args: Sequence[str], ctx: RouteContext) -> list[Action]:
    """XEP-0030 for a JID (a full JID asks one device), the pane's contact, or our server."""
    account = _account(ctx)
    if args:
        jid = parse_jid(args[0]).full
    elif ctx.peer is not None:
        jid = ctx.peer
    else:
        jid = account.split("@", 1)[-1]
    return [cmd.QueryInfo(account=account, jid=jid)]


def _blocked(_args: Sequence[str], ctx: RouteContext) -> list[Action]:
    """``/blocked``: the block list of the pane's account, one JID a line."""
    account = _account(ctx)
    whose = f" by {account}" if len(ctx.accounts) > 1 else ""
    if not ctx.blocked:
        return [ShowLines(f"Nobody is blocked{whose}")]
    # Each JID sanitised to one line: a line break in one cannot forge another entry.
    jids = sorted(sanitize_identifier(jid) for jid in ctx.blocked)
    lines = [f"Blocked{whose} ({len(jids)}):", *(f"  {jid}" for jid in jids)]
    return [ShowLines("\n".join(lines))]


def _room(text: str) -> BareJid:
    """A room's address: ``name@service``, never a bare domain."""
    parsed = parse_bare_jid(text)
    if not parsed.local:
        raise UserFacingError(
            f"{text.strip()} is not a room address; use room@conference.example.org",
            "A room's address has a name, an @ and the group chat service",
        )
    return parsed.bare


def _this_room(args: Sequence[str], ctx: RouteContext, command: str) -> BareJid:
    if args:
        return _room(args[0])
    if ctx.peer is None or ctx.peer not in ctx.rooms:
        raise UserFacingError(
            f"/{command} needs a room here", f"Type /{command} room@conference.example.org"
        )
    return ctx.peer


def _join(args: Sequence[str], ctx: RouteContext) -> list[Action]:
    """``/join ROOM[/NICK] [PASSWORD] [--configure]``: open the room's pane and enter it."""
    account = _account(ctx)
    words = [word for word in args if word != "--configure"]
    if not words:
        raise UserFacingError("/join needs a room", "Type /join room@conference.example.org")
    parsed = parse_jid(words[0])
    room = _room(parsed.bare)
    password = words[1] if len(words) > 1 else ""
    configure = len(words) < len(args)
    return [
        OpenRoom(account, room),
        cmd.JoinRoom(
            account=account,
            room=room,
            nick=parsed.resource,
            password=password,
            configure=configure,
        ),
    ]


def _leave(args: Sequence[str], ctx: RouteContext) -> list[Action]:
    return [cmd.LeaveRoom(account=_account(ctx), room=_this_room(args, ctx, "leave"))]


def _rooms(args: Sequence[str], ctx: RouteContext) -> list[Action]:
    """``/rooms [SERVICE]``: the service's rooms (a list screen opens with the answer)."""
    service = parse_jid(args[0]).full if args else ""
    return [cmd.ListRooms(account=_account(ctx), service=service)]


def _roominfo(args: Sequence[str], ctx: RouteContext) -> list[Action]:
    return [cmd.QueryRoomInfo(account=_account(ctx), room=_this_room(args, ctx, "roominfo"))]


def _invite(args: Sequence[str], ctx: RouteContext) -> list[Action]:
    """``/invite JID [reason]`` in a room pane."""
    if ctx.peer is None or ctx.peer not in ctx.rooms:
        raise UserFacingError("/invite works in a room", "Open the room first: /join ROOM")
    jid = _contact(args[0])
    reason = args[1].strip() if len(args) > 1 else ""
    return [cmd.InviteToRoom(account=_account(ctx), room=ctx.peer, jid=jid, reason=reason)]


def _nick(text: str, ctx: RouteContext) -> list[Action]:
    """``/nick NEW`` in a room's pane (XEP-0045 §7.6)."""
    nick = text.strip()
    if not nick:
        raise UserFacingError("/nick needs a nickname", "Type /nick NEWNICK")
    room = _this_room([], ctx, "nick")
    return [cmd.ChangeNick(account=_account(ctx), room=room, nick=nick)]


def _topic(text: str, ctx: RouteContext) -> list[Action]:
    """``/topic TEXT`` in a room's pane: the subject, sent as typed (XEP-0045 §8.1)."""
    if not text.strip():
        raise UserFacingError("/topic needs the new subject", "Type /topic Plans for today")
    room = _this_room([], ctx, "topic")
    return [cmd.SetSubject(account=_account(ctx), room=room, subject=text)]


def _bookmark(args: Sequence[str], ctx: RouteContext) -> list[Action]:
    """``/bookmark [list]``, ``/bookmark add [ROOM] [--autojoin|--no-autojoin] [--nick NICK]
    [NAME]``, ``/bookmark remove [ROOM]``. On an existing bookmark, only what is given changes."""
    account = _account(ctx)
    verb, rest = (args[0], list(args[1:])) if args else ("list", [])
    if verb == "list":
        return [ShowLines(bookmark_lines(ctx.bookmarks))]
    if verb == "remove":
        return [cmd.RemoveBookmark(account=account, room=_this_room(rest, ctx, "bookmark remove"))]
    autojoin: bool | None = None
    nick: str | None = None
    words: list[str] = []
    while rest:
        word = rest.pop(0)
        if word in ("--autojoin", "--no-autojoin"):
            autojoin = word == "--autojoin"
        elif word == "--nick":
            if not rest:
                raise UserFacingError("--nick needs a nickname", "/bookmark add --nick al")
            nick = rest.pop(0)
        else:
            words.append(word)
    named = bool(words) and "@" in words[0]
    room = _room(words.pop(0)) if named else _this_room([], ctx, "bookmark add")
    return [
        cmd.AddBookmark(
            account=account, room=room, name=" ".join(words) or None, nick=nick, autojoin=autojoin
        )
    ]


def bookmark_lines(bookmarks: Sequence[Bookmark]) -> str:
    """One bookmark a line (name, room, nick, autojoin), every remote string sanitised."""
    if not bookmarks:
        return "No bookmarks. /bookmark add ROOM adds one."
    lines = [f"Bookmarks ({len(bookmarks)}):"]
    for bookmark in bookmarks:
        line = f"  {sanitize_identifier(bookmark.jid)}"
        if bookmark.name:
            line += f" ({sanitize_identifier(bookmark.name)})"
        if bookmark.nick:
            line += f" as {sanitize_identifier(bookmark.nick)}"
        if bookmark.autojoin:
            line += ", autojoin"
        lines.append(line)
    return "\n".join(lines)


def _help(args: Sequence[str], _ctx: RouteContext) -> list[Action]:
    name = args[0].lstrip("/") if args else None
    return [ShowHelp(help_text(name))]


def _on_target(
    make: Callable[[AccountId, BareJid], cmd.Command], name: str
) -> Callable[[Sequence[str], RouteContext], list[Action]]:
    def handler(args: Sequence[str], ctx: RouteContext) -> list[Action]:
        return [make(_account(ctx), _target(args, ctx, name))]

    return handler


_HANDLERS: dict[str, Callable[[Sequence[str], RouteContext], list[Action]]] = {
    "msg": _msg,
    "add": _add,
    "remove": _on_target(lambda a, j: cmd.RemoveContact(account=a, jid=j), "remove"),
    "rename": _rename,
    "group": _group,
    "approve": _on_target(lambda a, j: cmd.ApproveSubscription(account=a, jid=j), "approve"),
    "deny": _on_target(lambda a, j: cmd.DenySubscription(account=a, jid=j), "deny"),
    "subscribe": _on_target(lambda a, j: cmd.RequestSubscription(account=a, jid=j), "subscribe"),
    "unsubscribe": _on_target(lambda a, j: cmd.Unsubscribe(account=a, jid=j), "unsubscribe"),
    "block": _on_target(lambda a, j: cmd.Block(account=a, jid=j), "block"),
    "unblock": _on_target(lambda a, j: cmd.Unblock(account=a, jid=j), "unblock"),
    "blocked": _blocked,
    "info": _info,
    "join": _join,
    "leave": _leave,
    "bookmark": _bookmark,
    **room_admin_routes.HANDLERS,
    **room_request_routes.HANDLERS,
    "rooms": _rooms,
    "roominfo": _roominfo,
    "invite": _invite,
    "account": _use_account,
    "addaccount": lambda _a, _c: [OpenAccountSetup()],
    "forgetaccount": lambda args, _c: [ForgetAccount(_jid(args[0]))],
    "trust": _trust,
    **push_routes.HANDLERS,
    "connect": _for_account(lambda a: cmd.Connect(account=a)),
    "disconnect": _for_account(lambda a: cmd.Disconnect(account=a)),
    "theme": lambda args, _c: [SetTheme(args[0] if args else None)],
    "help": _help,
    "activity": lambda _a, _c: [ShowActivity()],
    "close": lambda _a, _c: [ClosePane()],
    "quit": lambda _a, _c: [Quit()],
}

#: Commands whose arguments are free text as a whole: they get `ParsedCommand.rest`.
_TEXT_HANDLERS: dict[str, Callable[[str, RouteContext], list[Action]]] = {
    "status": _status,
    "me": _me,
    "correct": _correct,
    "nick": _nick,
    "topic": _topic,
}

#: Command names this router knows; a test checks it covers the slash table.
ROUTED_COMMANDS = frozenset(_HANDLERS) | frozenset(_TEXT_HANDLERS)


def route(parsed: ParsedCommand, ctx: RouteContext) -> list[Action]:
    """Actions for one slash command; raises `UserFacingError` for bad arguments."""
    text_handler = _TEXT_HANDLERS.get(parsed.spec.name)
    if text_handler is not None:
        return text_handler(parsed.rest, ctx)
    handler = _HANDLERS.get(parsed.spec.name)
    if handler is None:
        raise UserFacingError(f"/{parsed.spec.name} is not available yet", "Type /help")
    return handler(parsed.args, ctx)


def route_text(text: str, ctx: RouteContext) -> list[Action]:
    """Plain text typed in a pane: a message to the pane's peer."""
    if ctx.peer is None or ctx.account is None:
        raise UserFacingError(
            "This is the console: there is nobody to send text to",
            "Open a conversation with /msg name@example.org, or type /help",
        )
    _refuse_blocked(ctx.peer, ctx)
    return [cmd.SendMessage(account=ctx.account, peer=ctx.peer, body=text)]
