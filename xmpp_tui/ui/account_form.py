"""What the "Add account" screen's fields mean: checked values -> AccountSettings, and the
one line that says how a connection test went. Pure logic, no widgets (unit-tested)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from xmpp_tui.core.errors import InvalidJidError, UserFacingError
from xmpp_tui.core.jid import parse_bare_jid
from xmpp_tui.service.account_probe import ProbeResult
from xmpp_tui.settings import AccountSettings, parse_server


class PasswordFrom(StrEnum):
    """Where the account's password comes from at each start."""

    KEYRING = "keyring"
    COMMAND = "command"
    ASK = "ask"


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountForm:
    """The fields as typed."""

    jid: str
    password: str = ""
    server: str = ""
    ca_file: str = ""
    direct_tls: bool = False
    password_from: PasswordFrom = PasswordFrom.ASK
    command: str = ""


def account_settings(form: AccountForm, *, existing: Collection[str] = ()) -> AccountSettings:
    """The account the form describes; UserFacingError naming the field that is wrong.

    ``existing``: accounts already set up (open, or in the config file).
    """
    text = form.jid.strip()
    if not text:
        raise UserFacingError("Address is empty", "Type your address, e.g. alice@example.org")
    try:
        jid = parse_bare_jid(text)
    except InvalidJidError as error:
        raise UserFacingError(f"Address: {error.message}", error.hint) from None
    if not jid.local:
        raise UserFacingError(
            f"Address {jid.bare} has no user part", f"Write yourname@{jid.domain}"
        )
    if jid.bare in existing:
        raise UserFacingError(f"{jid.bare} is already set up", "Pick another address")
    host: str | None = None
    port: int | None = None
    if form.server.strip():
        try:
            host, port = parse_server(form.server)
        except ValueError as error:
            raise UserFacingError(f"Server {error}") from None
    ca_file: Path | None = None
    if form.ca_file.strip():
        ca_file = Path(form.ca_file.strip()).expanduser().absolute()
        if not ca_file.is_file():
            raise UserFacingError(
                f"CA file {ca_file} not found", "Give the path of a PEM file, or leave it empty"
            )
    command: str | None = None
    if form.password_from is PasswordFrom.COMMAND:
        command = form.command.strip()
        if not command:
            raise UserFacingError(
                "Password command is empty", "Type a command that prints the password"
            )
    elif form.password_from is PasswordFrom.KEYRING and not form.password:
        raise UserFacingError("Password is empty", "Type the password to keep in the keyring")
    return AccountSettings(
        jid=jid.bare,
        host=host,
        port=port,
        direct_tls=form.direct_tls,
        ca_file=ca_file,
        password_command=command,
    )


def probe_text(result: ProbeResult) -> str:
    """One plain line saying how the connection test went (remote text: sanitise to show)."""
    if result.ok:
        return f"Connection works: {result.message}"
    match result.kind:
        case "auth":
            return f"Login refused: {result.message} (check the address and the password)"
        case "certificate" if result.certificate is not None:
            return (
                f"{result.message}; SHA-256 {result.certificate.sha256} "
                "(save anyway, then /trust if it is the right server)"
            )
        case "network" | "timeout":
            return f"{result.message} (check the server and port, or leave the server empty)"
        case _:
            return result.message
