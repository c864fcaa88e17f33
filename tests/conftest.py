"""Shared fixtures: a real Prosody server for the session, fresh accounts, real peers."""

from __future__ import annotations

import gc
import shutil
from collections.abc import AsyncIterator, Generator, Iterator

import pytest

from tests.peer import DEFAULT_TIMEOUT, AccountFactory, Peer, PeerFactory
from tests.prosody_server import INSTALL_HINT, Account, ProsodyServer

_SERVER = pytest.StashKey[ProsodyServer]()


@pytest.fixture(scope="session")
def prosody(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[ProsodyServer]:
    """One Prosody for the whole run (state persists: use fresh accounts and unique names)."""
    missing = [tool for tool in ("prosody", "prosodyctl", "openssl") if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not found: the tests need a real Prosody 0.12 server. "
            f"Install it with: {INSTALL_HINT} openssl (or run: sh tests/run.sh)",
            pytrace=False,
        )
    server = ProsodyServer()
    server.setup(tmp_path_factory.mktemp("prosody"))
    server.start()
    pytestconfig.stash[_SERVER] = server
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _unfrozen_heap() -> Iterator[None]:
    """An app that goes online freezes the heap (xmpp_tui/ui/heap.py): every test ends with it
    unfrozen, so no test's objects outlive it in the permanent generation."""
    yield
    gc.unfreeze()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Point failed real-server tests at the Prosody debug log (it has every stanza)."""
    report: pytest.TestReport = yield
    server = item.config.stash.get(_SERVER, None)
    if report.failed and server is not None and "prosody" in getattr(item, "fixturenames", ()):
        report.sections.append(("prosody", f"server log (debug, every stanza): {server.log_path}"))
    return report


@pytest.fixture
def new_account(prosody: ProsodyServer) -> AccountFactory:
    """``new_account()`` / ``new_account("alice")`` registers a fresh user; returns Account."""

    def factory(prefix: str = "user") -> Account:
        return prosody.unique_user(prefix)

    return factory


@pytest.fixture
async def peer(prosody: ProsodyServer) -> AsyncIterator[PeerFactory]:
    """``await peer()`` logs in a fresh account as a real slixmpp client (built in this loop).

    Pass an Account to log in an existing one; keyword arguments as for ``Peer.connect``.
    Every peer is disconnected at teardown.
    """
    peers: list[Peer] = []

    async def factory(
        account: Account | None = None,
        *,
        resource: str = "peer",
        auto_authorize: bool | None = False,
        auto_subscribe: bool = False,
        auto_ack_receipts: bool = True,
        send_presence: bool = True,
        get_roster: bool = True,
        direct_tls: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Peer:
        connected = await Peer.connect(
            prosody,
            account or prosody.unique_user("peer"),
            resource=resource,
            auto_authorize=auto_authorize,
            auto_subscribe=auto_subscribe,
            auto_ack_receipts=auto_ack_receipts,
            send_presence=send_presence,
            get_roster=get_roster,
            direct_tls=direct_tls,
            timeout=timeout,
        )
        peers.append(connected)
        return connected

    yield factory
    for connected in reversed(peers):
        await connected.close()
