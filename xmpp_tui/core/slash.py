"""Slash commands typed in the composer, declared once in :data:`COMMANDS`.

The table feeds parsing (:func:`parse`), ``/help`` (:func:`help_text`), completion
(:func:`complete_command`), the command palette and ``docs/commands.md`` (a test keeps that file in
step with the table).

Arguments are separated by spaces. An argument that holds spaces can be written in double quotes
(``/group bob@example.org "Old friends" Work``). When a command's last argument is free text
(:attr:`CommandSpec.rest_is_text`), it takes the rest of the line as typed, quotes and line breaks
included. A line starting with ``//`` is a message that starts with ``/``: :func:`parse` returns
``None`` and :func:`unescape_literal` removes the first ``/``.

Every command takes ``--account JID`` (or ``--account=JID``) right after its name, before its
arguments: the command then acts on that account instead of the pane's
(:attr:`ParsedCommand.account`; the caller checks that it is an open account).

Argument values are not checked here beyond :attr:`CommandSpec.choices`: JIDs are parsed by the
caller with :func:`xmpp_tui.core.jid.parse_bare_jid`, which explains what is wrong.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from xmpp_tui.core.errors import UserFacingError

PREFIX = "/"

#: Words ``/status`` takes as its first word (RFC 6121 section 4.7.2.1 "show", plus "available"
#: and "online", which mean no show). Any other first word starts the status text.
STATUS_CHOICES = ("available", "online", "chat", "away", "xa", "dnd")


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One slash command: how it is typed and what it does."""

    name: str  # without the slash
    args: str  # usage of the arguments, e.g. "JID [text]"
    summary: str  # one line, plain text
    min_args: int
    max_args: int | None  # None: any number
    rest_is_text: bool  # the last argument takes the rest of the line, spaces included
    aliases: tuple[str, ...] = ()
    #: When not empty, the first argument must be one of these words (any case; parsed lower-case).
    choices: tuple[str, ...] = ()
    #: Whether a double-quoted argument may hold spaces; off when the words are free text.
    quotes: bool = True
    #: More lines for ``/help NAME`` (plain text), when the summary is not enough.
    details: tuple[str, ...] = ()

    @property
    def usage(self) -> str:
        """``/name args``, as shown in /help and docs/commands.md."""
        return f"{PREFIX}{self.name} {self.args}".rstrip()


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    spec: CommandSpec
    args: tuple[str, ...]
    #: Everything after the command name as typed, leading spaces removed (for commands whose
    #: arguments are free text as a whole, such as ``/status some text``).
    rest: str = ""
    #: ``--account JID`` as typed (not parsed), when given: the account the command acts on.
    account: str | None = None

    @property
    def name(self) -> str:
        return self.spec.name


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "msg",
        "JID [text]",
        "Open a conversation with JID; send text if given",
        min_args=1,
        max_args=2,
        rest_is_text=True,
        aliases=("query",),
    ),
    CommandSpec(
        "me",
        "TEXT",
        "Send an action, e.g. /me waves",
        min_args=1,
        max_args=1,
        rest_is_text=True,
        quotes=False,  # sent exactly as typed (ParsedCommand.rest)
    ),
    CommandSpec(
        "correct",
        "TEXT",
        "Correct your last message in this conversation",
        min_args=1,
        max_args=1,
        rest_is_text=True,
        quotes=False,
        details=(
            "The contact's client shows the new text in place of the old one (XEP-0308).",
            "Up in an empty message box does the same: it loads your last message to edit;",
            "Enter sends the correction, Esc cancels.",
        ),
    ),
    CommandSpec(
        "add",
        "JID [name]",
        "Add a contact and ask to see their presence",
        min_args=1,
        max_args=2,
        rest_is_text=True,
    ),
    CommandSpec(
        "remove",
        "JID",
        "Remove a contact from your roster",
        min_args=1,
        max_args=1,
        rest_is_text=False,
    ),
    CommandSpec(
        "rename",
        "JID NAME",
        "Give a contact a name (it may contain spaces)",
        min_args=2,
        max_args=2,
        rest_is_text=True,
    ),
    CommandSpec(
        "group",
        "JID [GROUP ...]",
        "Set a contact's groups; none clears them",
        min_args=1,
        max_args=None,
        rest_is_text=False,
    ),
    CommandSpec(
        "approve",
        "JID",
        "Let JID see your presence (answer or pre-approve)",
        min_args=1,
        max_args=1,
        rest_is_text=False,
    ),
    CommandSpec(
        "deny",
        "JID",
        "Refuse JID's request or stop sharing your presence",
        min_args=1,
        max_args=1,
        rest_is_text=False,
    ),
    CommandSpec(
        "subscribe",
        "JID",
        "Ask to see JID's presence",
        min_args=1,
        max_args=1,
        rest_is_text=False,
    ),
    CommandSpec(
        "unsubscribe",
        "JID",
        "Stop receiving JID's presence",
        min_args=1,
        max_args=1,
        rest_is_text=False,
    ),
    CommandSpec(
        "block",
        "[JID]",
        "Block JID (default: this conversation's contact)",
        min_args=0,
        max_args=1,
        rest_is_text=False,
        details=(
            "Your server drops everything JID sends you and hides your presence from them.",
            "It applies to all your devices. /blocked lists them, /unblock undoes it.",
        ),
    ),
    CommandSpec(
        "unblock",
        "[JID]",
        "Unblock JID (default: this conversation's contact)",
        min_args=0,
        max_args=1,
        rest_is_text=False,
    ),
    CommandSpec(
        "blocked",
        "",
        "List the JIDs you blocked",
        min_args=0,
        max_args=0,
        rest_is_text=False,
    ),
    CommandSpec(
        "info",
        "[JID]",
        "What a contact, device or server is and speaks",
        min_args=0,
        max_args=1,
        rest_is_text=False,
    ),
    CommandSpec(
        "join",
        "ROOM[/NICK] [PASSWORD] [--configure]",
        "Enter a group chat (a room); see /help join",
        min_args=1,
        max_args=3,
        rest_is_text=False,
        details=(
            "NICK: the bookmark's, else your name before the @.",
            "Example: /join team@conference.example.org/al pw",
            "A new room gets the default settings (instant);",
            "with --configure its settings form opens first",
            "and it stays locked until you save (reserved).",
        ),
    ),
    CommandSpec(
        "leave",
        "[ROOM]",
        "Leave a group chat (default: this room)",
        min_args=0,
        max_args=1,
        rest_is_text=False,
    ),
    CommandSpec(
        "nick",
        "NICK",
        "Change your nickname in this room",
        min_args=1,
        max_args=1,
        rest_is_text=True,
        quotes=False,
    ),
    CommandSpec(
        "topic",
        "TEXT",
        "Change this room's subject (if the room lets you)",
        min_args=1,
        max_args=1,
        rest_is_text=True,
        quotes=False,
    ),
    CommandSpec(
        "rooms",
        "[SERVICE]",
        "Browse the rooms of a group chat service",
        min_args=0,
        max_args=1,
        rest_is_text=False,
        details=(
            "SERVICE: e.g. conference.example.org;",
            "  left out: your own server's service.",
            "Enter on a room joins it; i shows its description",
            "  and how many are in it.",
        ),
    ),
    CommandSpec(
        "roominfo",
        "[ROOM]",
        "About a room (description, occupants), before joining",
        min_args=0,
        max_args=1,
        rest_is_text=False,
    ),
    CommandSpec(
        "invite",
        "JID [reason]",
        "Invite someone into this room",
        min_args=1,
        max_args=2,
        rest_is_text=True,
        quotes=False,
        details=(
            "A direct invitation (XEP-0249); through the room",
            "  when it is members-only.",
            "Invitations to you: Enter on the room marked ?",
            "  in the roster to accept or decline.",
        ),
    ),
    CommandSpec(
        "convert",
        "[N]",
        "Go on with this chat in a new room; carry N messages",
        min_args=0,
        max_args=1,
        rest_is_text=False,
        details=(
            "Creates a room on your server, invites the contact to it and",
            "  copies the last N messages of the chat into it (none by default).",
        ),
    ),
    CommandSpec(
        "requestvoice",
        "",
        "Ask this room's moderators for voice (visitors)",
        min_args=0,
        max_args=0,
        rest_is_text=False,
    ),
    CommandSpec(
        "register",
        "",
        "Register with this room: fill in its form",
        min_args=0,
        max_args=0,
        rest_is_text=False,
        details=("The room then keeps your nickname for you (and may make you a member).",),
    ),
    CommandSpec(
        "requests",
        "",
        "Answer voice and registration requests here",
        min_args=0,
        max_args=0,
        rest_is_text=False,
        details=(
            "Moderators get voice requests, admins registration requests:",
            "  Approve, Deny or Later for each one waiting.",
        ),
    ),
    CommandSpec(
        "kick",
        "NICK [reason]",
        "Kick an occupant out of this room (moderators)",
        min_args=1,
        max_args=2,
        rest_is_text=True,
    ),
    CommandSpec(
        "moderate",
        "NICK [reason]",
        "Remove an occupant's last message for everyone",
        min_args=1,
        max_args=2,
        rest_is_text=True,
        details=(
            "Moderators, where the room supports it (XEP-0425).",
            "Everyone's client shows it as removed.",
        ),
    ),
    CommandSpec(
        "voice",
        "NICK",
        "Let an occupant speak here (moderators)",
        min_args=1,
        max_args=1,
        rest_is_text=False,
    ),
    CommandSpec(
        "devoice",
        "NICK",
        "Stop an occupant speaking here (moderators)",
        min_args=1,
        max_args=1,
        rest_is_text=False,
    ),
    CommandSpec(
        "role",
        "NICK ROLE [reason]",
        "Make an occupant moderator, participant or visitor",
        min_args=2,
        max_args=3,
        rest_is_text=True,
        details=("ROLE: moderator, participant (may speak) or visitor (may not).",),
    ),
    CommandSpec(
        "ban",
        "JID [reason]",
        "Ban an address from this room (admins)",
        min_args=1,
        max_args=2,
        rest_is_text=True,
    ),
    CommandSpec(
        "unban",
        "JID",
        "Lift a ban from this room (admins)",
        min_args=1,
        max_args=1,
        rest_is_text=False,
    ),
    CommandSpec(
        "affiliation",
        "JID AFFILIATION [reason]",
        "Give an address an affiliation with this room",
        min_args=2,
        max_args=3,
        rest_is_text=True,
        details=(
            "AFFILIATION: owner, admin, member, outcast (banned) or none (revoke).",
            "Members may enter members-only rooms; admins",
            "ban and grant membership; owners configure",
            "the room and name admins and owners.",
        ),
    ),
    CommandSpec(
        "affiliations",
        "",
        "View and edit this room's member, ban, ... lists",
        min_args=0,
        max_args=0,
        rest_is_text=False,
        details=(
            "The owner, admin, member, ban (outcast) and",
            "moderator lists, each with add/remove.",
        ),
    ),
    CommandSpec(
        "configure",
        "",
        "Edit this room's configuration form (owners)",
        min_args=0,
        max_args=0,
        rest_is_text=False,
    ),
    CommandSpec(
        "destroy",
        "[reason]",
        "Destroy this room, after a confirmation (owners)",
        min_args=0,
        max_args=1,
        rest_is_text=True,
    ),
    CommandSpec(
        "bookmark",
        "[list|add|remove] [ROOM] [OPTION ...]",
        "List, add, change or remove room bookmarks",
        min_args=0,
        max_args=None,
        rest_is_text=False,
        choices=("list", "add", "remove"),
        details=(
            "Kept on your server, for all your devices.",
            "add [ROOM] [--autojoin|--no-autojoin] [--nick NICK] [NAME]",
            "  ROOM: this room when left out; --autojoin: enter",
            "  it at every start. Adding it again changes only",
            "  what you give. /leave turns autojoin off.",
            "remove [ROOM]: forget it (you stay in the room).",
        ),
    ),
    CommandSpec(
        "status",
        "[SHOW] [text]",
        "Set your presence and status text (see /help status)",
        min_args=0,
        max_args=2,
        rest_is_text=True,
        quotes=False,  # the handler reads the text as typed (ParsedCommand.rest)
        details=(
            "SHOW: " + ", ".join(STATUS_CHOICES) + " (any case). No SHOW: available.",
            "Examples: /status away back at two, /status dnd, /status on the train",
        ),
    ),
    CommandSpec(
        "activity",
        "",
        "Conversations with unread messages, newest first",
        min_args=0,
        max_args=0,
        rest_is_text=False,
        details=(
            "Across every account; Enter opens one. Also F2.",
            "Alt+A goes straight to the next unread conversation:",
            "  chats, private messages and mentions of your nick",
            "  first (newest first), then other room messages.",
        ),
    ),
    CommandSpec(
        "close",
        "",
        "Close the current conversation",
        min_args=0,
        max_args=0,
        rest_is_text=False,
    ),
    CommandSpec(
        "account",
        "[connect|disconnect] [JID]",
        "List the accounts, choose the console's, connect one",
        min_args=0,
        max_args=2,
        rest_is_text=False,
        details=(
            "/account alone: every open account and its state;",
            "  * marks the one console commands act on.",
            "/account JID: console commands act on JID.",
            "/account connect JID, /account disconnect JID:",
            "  the same as /connect JID and /disconnect JID.",
        ),
    ),
    CommandSpec(
        "addaccount",
        "",
        "Set up another account (saved in config.toml)",
        min_args=0,
        max_args=0,
        rest_is_text=False,
        details=(
            "A form: address, password, optional server and",
            "  CA file, direct TLS, and where the password",
            "  comes from (keyring, a command, or asked).",
            "Test connection logs in once. Save adds it to",
            "  config.toml (your comments stay) and connects.",
            "Passwords never go in the file.",
        ),
    ),
    CommandSpec(
        "forgetaccount",
        "ACCOUNT",
        "Forget an account: config.toml entry and keyring",
        min_args=1,
        max_args=1,
        rest_is_text=False,
        details=(
            "Disconnects it and removes its [[accounts]] table",
            "  (with the comments right above it) from",
            "  config.toml and its password from the keyring.",
            "History stays; the server account is untouched.",
        ),
    ),
    CommandSpec(
        "connect",
        "[ACCOUNT]",
        "Connect an account now (skips the retry wait)",
        min_args=0,
        max_args=1,
        rest_is_text=False,
    ),
    CommandSpec(
        "disconnect",
        "[ACCOUNT]",
        "Go offline with an account until /connect",
        min_args=0,
        max_args=1,
        rest_is_text=False,
    ),
    CommandSpec(
        "trust",
        "",
        "Trust the certificate just rejected, for that account",
        min_args=0,
        max_args=0,
        rest_is_text=False,
    ),
    CommandSpec(
        "push",
        "[status|enable|disable] [APP_SERVER_JID] [NODE]",
        "Be notified elsewhere while xmpp-tui is closed",
        min_args=0,
        max_args=3,
        rest_is_text=False,
        choices=("status", "enable", "disable"),
        details=(
            "XEP-0357: your server tells an app server (a phone's",
            "  push service, a notifier) about messages that",
            "  arrive while you are away or xmpp-tui is closed.",
            "enable APP_SERVER_JID [NODE]: turn it on, also at",
            "  every start. NODE: as the app server gave it;",
            "  left out: one made once for this device.",
            "enable alone: the app server set up before.",
            "disable: turn it off and forget it.",
            "status (or /push alone): server support, app",
            "  server, node and the last result.",
            "config.toml: push_service, push_node (they win).",
        ),
    ),
    CommandSpec(
        "theme",
        "[name]",
        "List the colour themes, or switch to one",
        min_args=0,
        max_args=1,
        rest_is_text=False,
        details=(
            "Themes are the files in xmpp-tui's themes/ and in the themes/ folder of your",
            "config directory. The switch lasts until you quit: to keep it, add",
            'theme = "NAME" to config.toml (see docs/configuration.md).',
        ),
    ),
    CommandSpec(
        "help",
        "[command]",
        "List the commands, or explain one",
        min_args=0,
        max_args=1,
        rest_is_text=False,
    ),
    CommandSpec(
        "quit",
        "",
        "Disconnect every account and leave",
        min_args=0,
        max_args=0,
        rest_is_text=False,
        aliases=("exit",),
    ),
)


def _index(commands: tuple[CommandSpec, ...]) -> dict[str, CommandSpec]:
    index: dict[str, CommandSpec] = {}
    for spec in commands:
        for key in (spec.name, *spec.aliases):
            if key in index or key != key.lower() or not key.isalpha():
                raise ValueError(f"bad or duplicate command name: {key!r}")
            index[key] = spec
    return index


#: Every name and alias, lower-case, without the slash.
COMMANDS_BY_NAME: dict[str, CommandSpec] = _index(COMMANDS)

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\S+")
_QUOTED = re.compile(r'"([^"]*)"(?=\s|$)')
_HELP_HINT = f"Type {PREFIX}help to list the commands"
_HELP_INDENT = "  "  # before each summary in the /help list
#: Typed right after a command's name: the account the command acts on.
ACCOUNT_OPTION = "--account"
_ACCOUNT_VALUE = re.compile(r"\s+--account(?:=|\s+)([^\s=]\S*)(?=\s|$)")
_ACCOUNT_WORD = re.compile(r"\s+--account(?:=|\s|$)")


def find_command(name: str) -> CommandSpec | None:
    """The command called ``name`` or aliased so (any case, with or without the slash)."""
    return COMMANDS_BY_NAME.get(name.removeprefix(PREFIX).lower())


def _unknown(name: str) -> UserFacingError:
    close = difflib.get_close_matches(name.lower(), COMMANDS_BY_NAME, n=1, cutoff=0.6)
    if close:
        spec = COMMANDS_BY_NAME[close[0]]
        return UserFacingError(
            f"Unknown command {PREFIX}{name}. Did you mean {PREFIX}{close[0]}?",
            f"Usage: {spec.usage}",
        )
    return UserFacingError(f"Unknown command {PREFIX}{name}.", _HELP_HINT)


def _plural(n: int) -> str:
    return f"{n} argument" if n == 1 else f"{n} arguments"


def _split(spec: CommandSpec, rest: str) -> list[str]:
    """Split the text after the command name into arguments."""
    args: list[str] = []
    pos = 0
    while True:
        space = _SPACE.match(rest, pos)
        if space is not None:
            pos = space.end()
        if pos >= len(rest):
            return args
        if spec.rest_is_text and spec.max_args is not None and len(args) == spec.max_args - 1:
            args.append(rest[pos:])  # verbatim: spaces, quotes and line breaks kept
            return args
        if spec.quotes and rest.startswith('"', pos):
            quoted = _QUOTED.match(rest, pos)
            if quoted is None:
                raise UserFacingError(
                    f"{PREFIX}{spec.name}: a double quote is not closed.",
                    f'End it with " and a space (or the end of the line). Usage: {spec.usage}',
                )
            args.append(quoted.group(1))
            pos = quoted.end()
        else:
            word = _WORD.match(rest, pos)
            assert word is not None  # pos is at a non-space character
            args.append(word.group(0))
            pos = word.end()


def _check_count(spec: CommandSpec, args: list[str]) -> None:
    usage = f"Usage: {spec.usage}"
    if len(args) < spec.min_args:
        needed = " ".join(spec.args.split()[len(args) : spec.min_args])
        raise UserFacingError(f"{PREFIX}{spec.name} needs {needed}.", usage)
    if spec.max_args is not None and len(args) > spec.max_args:
        if spec.max_args == 0:
            message = f"{PREFIX}{spec.name} takes no arguments."
        else:
            message = f"{PREFIX}{spec.name} takes at most {_plural(spec.max_args)}."
        raise UserFacingError(f"{message} You gave {len(args)}.", usage)


def _check_choice(spec: CommandSpec, args: list[str]) -> None:
    if not spec.choices or not args:
        return
    word = args[0].lower()
    if word not in spec.choices:
        raise UserFacingError(
            f'{PREFIX}{spec.name}: "{args[0]}" is not one of {", ".join(spec.choices)}.',
            f"Usage: {spec.usage}",
        )
    args[0] = word


def parse(line: str) -> ParsedCommand | None:
    """Parse a composer line; ``None`` when it is not a command (no leading ``/``, or ``//``).

    Raises :class:`UserFacingError` (with the usage as hint) for an unknown command, a wrong number
    of arguments or a word not in :attr:`CommandSpec.choices`.
    """
    if not line.startswith(PREFIX) or line.startswith(PREFIX * 2):
        return None
    body = line[len(PREFIX) :]
    match = re.match(r"\S*", body)
    name = match.group(0) if match else ""
    if not name:
        raise UserFacingError(f"Type a command name after {PREFIX}.", _HELP_HINT)
    spec = find_command(name)
    if spec is None:
        raise _unknown(name)
    rest = body[len(name) :]
    account, rest = _account_option(spec, rest)
    args = _split(spec, rest)
    _check_choice(spec, args)
    _check_count(spec, args)
    return ParsedCommand(spec, tuple(args), rest.lstrip(), account)


def _account_option(spec: CommandSpec, rest: str) -> tuple[str | None, str]:
    """``--account JID`` at the start of ``rest``: the JID as typed and what follows it."""
    option = _ACCOUNT_VALUE.match(rest)
    if option is not None:
        return option.group(1), rest[option.end() :]
    if _ACCOUNT_WORD.match(rest):
        raise UserFacingError(
            f"{PREFIX}{spec.name}: {ACCOUNT_OPTION} needs the account's JID.",
            f"Example: {PREFIX}{spec.name} {ACCOUNT_OPTION} alice@example.org ...",
        )
    return None, rest


def unescape_literal(line: str) -> str:
    """The message to send for a line :func:`parse` passed over: ``//x`` becomes ``/x``."""
    return line[len(PREFIX) :] if line.startswith(PREFIX * 2) else line


def complete_command(prefix: str) -> list[str]:
    """Command names (with the slash) that complete ``prefix``; names first, then aliases.

    ``prefix`` is what is typed so far, e.g. ``"/st"``; an empty result when it is not the start
    of a command name (it holds a space, or does not start with ``/``).
    """
    if not prefix.startswith(PREFIX) or prefix.startswith(PREFIX * 2):
        return []
    typed = prefix[len(PREFIX) :].lower()
    if _SPACE.search(typed):
        return []
    names = [spec.name for spec in COMMANDS if spec.name.startswith(typed)]
    aliases = [a for spec in COMMANDS for a in spec.aliases if a.startswith(typed)]
    return [PREFIX + name for name in sorted(names) + sorted(aliases)]


def help_text(name: str | None = None) -> str:
    """Plain text for ``/help`` (every command) or ``/help name`` (one command)."""
    if name is None or not name.strip():
        # Narrow on purpose (the console is about 55 cells wide at 80 columns): each usage on
        # its own line, the summary indented under it, so nothing wraps back to column 0.
        lines = [f"Commands ({PREFIX}{PREFIX}text sends {PREFIX}text as a message):"]
        for spec in COMMANDS:
            lines += [spec.usage, f"{_HELP_INDENT}{spec.summary}"]
        lines.append(f"Any command: {ACCOUNT_OPTION} JID after its name")
        lines.append(f"{_HELP_INDENT}acts on that account instead of the pane's.")
        lines.append(f"Type {PREFIX}help COMMAND for one command.")
        return "\n".join(lines)
    wanted = name.strip()
    found = find_command(wanted)
    if found is None:
        raise _unknown(wanted.removeprefix(PREFIX))
    lines = [found.usage, f"  {found.summary}", *(f"  {line}" for line in found.details)]
    if found.aliases:
        lines.append("  Also: " + ", ".join(PREFIX + alias for alias in found.aliases))
    return "\n".join(lines)
