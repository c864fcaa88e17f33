"""The whole demo set-up as one object: private server, accounts, rosters, the bot.

::

    with DemoWorld(Path(tempfile.mkdtemp())) as world:   # started, bot ready
        world.account_settings()    # the AccountSettings the client opens
        world.passwords             # a PasswordSource that knows the demo passwords

Accounts on the private server (all ``@localhost``):

- ``you`` and ``work``: the two accounts the client opens (multi-account in one window);
- ``bob``: a bot contact of ``you`` (answers, changes presence); ``carol``: a contact of
  both; both sit in the room ``lobby@conference.localhost``, bookmarked with autojoin.

Passwords are random, live only in this process, in the bot's spec file (0600 inside the
private directory) and in Prosody's data; nothing goes to the keyring or the user's config.
"""

from __future__ import annotations

import json
import os
import secrets
import select
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Self

from xmpp_tui.demo.server import HOST, MUC_HOST, DemoServer, DemoServerError
from xmpp_tui.secrets import PasswordSource
from xmpp_tui.settings import AccountSettings

#: The client's accounts: user -> nick in the demo room (the first one is "you").
CLIENT_ACCOUNTS: dict[str, str] = {"you": "you", "work": "you-at-work"}
ROOM = f"lobby@{MUC_HOST}"
ROOM_NAME = "Demo lobby"
#: Who has whom as a contact (both ways), with display names.
ROSTERS: dict[str, dict[str, str]] = {
    "you": {f"bob@{HOST}": "Bob (demo bot)", f"carol@{HOST}": "Carol"},
    "work": {f"carol@{HOST}": "Carol"},
    "bob": {f"you@{HOST}": "You"},
    "carol": {f"you@{HOST}": "You", f"work@{HOST}": "You at work"},
}
BOT_READY_TIMEOUT = 30.0


class DemoPasswords(PasswordSource):
    """The demo accounts' passwords, in memory; never the keyring, never saved."""

    def __init__(self, passwords: dict[str, str]) -> None:
        super().__init__(use_keyring=False)
        self._passwords = dict(passwords)

    async def lookup(self, account: AccountSettings) -> str | None:
        return self._passwords.get(account.jid)

    async def save(self, jid: str, password: str) -> bool:
        return False


class DemoWorld:
    """Start with ``start()`` (or ``with``); ``stop()`` ends the bot and the server.

    ``root`` must be a private directory (``tempfile.mkdtemp`` makes them 0700); it is not
    removed here (the caller owns it).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.server = DemoServer(root / "prosody")
        self._passwords = {user: secrets.token_urlsafe(16) for user in ROSTERS}
        self._bot: subprocess.Popen[bytes] | None = None

    @property
    def room(self) -> str:
        return ROOM

    @property
    def client_jids(self) -> tuple[str, ...]:
        return tuple(f"{user}@{HOST}" for user in CLIENT_ACCOUNTS)

    @property
    def passwords(self) -> DemoPasswords:
        return DemoPasswords({f"{u}@{HOST}": pw for u, pw in self._passwords.items()})

    def password(self, user: str) -> str:
        return self._passwords[user]

    @property
    def bot_log(self) -> Path:
        return self.root / "bot.log"

    def account_settings(self) -> tuple[AccountSettings, ...]:
        return tuple(
            AccountSettings(
                jid=jid,
                host="127.0.0.1",
                port=self.server.port,
                ca_file=self.server.cafile,
                resource="demo",
            )
            for jid in self.client_jids
        )

    def start(self) -> None:
        """Server up, accounts made, bot ready (raises DemoServerError, one line)."""
        try:
            self.server.setup()
            for user, items in ROSTERS.items():
                self.server.write_roster(user, items)
            for user, password in self._passwords.items():
                self.server.adduser(user, password)
            self.server.start()
            self._start_bot()
        except BaseException:
            self.stop()
            raise

    def _start_bot(self) -> None:
        spec = self.root / "bot.json"
        fd = os.open(spec, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(
                {
                    "port": self.server.port,
                    "cafile": str(self.server.cafile),
                    "room": ROOM,
                    "room_name": ROOM_NAME,
                    "passwords": self._passwords,
                    "client_accounts": CLIENT_ACCOUNTS,
                    "root": str(self.root),
                    "prosody_pid": self.server.pid or 0,
                },
                handle,
            )
        with self.bot_log.open("ab") as log:
            self._bot = subprocess.Popen(  # noqa: S603 - our own module, no shell
                [sys.executable, "-m", "xmpp_tui.demo.bot", str(spec)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
                cwd=self.root,
            )
        line = self._read_bot_line(BOT_READY_TIMEOUT)
        if line != "ready":
            detail = line.removeprefix("failed: ") or "it stopped"
            raise DemoServerError(f"the demo bot did not start: {detail} (see {self.bot_log})")

    def _read_bot_line(self, timeout: float) -> str:
        bot = self._bot
        assert bot is not None and bot.stdout is not None
        deadline = time.monotonic() + timeout
        data = b""
        while b"\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0:
                return f"failed: not ready within {timeout:g} s"
            ready, _, _ = select.select([bot.stdout], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(bot.stdout.fileno(), 4096)
                if not chunk:
                    break
                data += chunk
        return data.decode("utf-8", "replace").split("\n", 1)[0].strip()

    def stop(self) -> None:
        """Stop the bot, then the server. Safe to call twice."""
        bot, self._bot = self._bot, None
        if bot is not None:
            if bot.poll() is None:
                bot.terminate()
                try:
                    bot.wait(5)
                except subprocess.TimeoutExpired:
                    bot.kill()
                    bot.wait()
            if bot.stdout is not None:
                bot.stdout.close()
        self.server.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
