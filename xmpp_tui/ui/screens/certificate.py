"""The certificate TLS refused, shown in full; the user may trust it for one account."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from xmpp_tui.core.models import CertificateInfo
from xmpp_tui.ui.render import one_line
from xmpp_tui.ui.theme_roles import role


def certificate_table(info: CertificateInfo) -> Table:
    """Every field is remote (the server chose it): sanitised, never markup."""
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("Reason", one_line(info.reason, role("error")))
    table.add_row("Subject", one_line(info.subject))
    table.add_row("Issuer", one_line(info.issuer))
    table.add_row("Expires", one_line(info.not_after))
    # Computed by us, not sent by the server. 16 pairs a line: it breaks between pairs.
    pairs = info.sha256.split(":")
    halves = [":".join(pairs[i : i + 16]) for i in range(0, len(pairs), 16)]
    table.add_row("SHA-256", Text("\n".join(halves), end=""))
    return table


class CertificateScreen(ModalScreen[bool]):
    """Dismisses True when the user trusts this fingerprint for ``account``."""

    DEFAULT_CSS = """
    CertificateScreen { align: center middle; }
    CertificateScreen > Vertical {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 0 1;
        border: thick $error;
        background: $surface;
    }
    CertificateScreen .prompt-title { text-style: bold; margin-bottom: 1; }
    CertificateScreen .prompt-help { color: $text-muted; margin-top: 1; }
    CertificateScreen Horizontal { height: auto; align-horizontal: right; }
    CertificateScreen Button { margin-left: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, account: str, info: CertificateInfo) -> None:
        super().__init__()
        self.account = account
        self.info = info

    def compose(self) -> ComposeResult:
        with Vertical():
            title = Text("Certificate rejected for ")
            title.append_text(one_line(self.account))
            yield Static(title, classes="prompt-title")
            yield Static(certificate_table(self.info))
            yield Static(
                Text(
                    "Trust it only if you can check the fingerprint with the server's admin. "
                    "It will be trusted for this account only."
                ),
                classes="prompt-help",
            )
            with Horizontal():
                yield Button("Cancel", id="cancel")
                trust = Text("Trust this certificate for ")
                trust.append_text(one_line(self.account))
                yield Button(trust, id="trust", variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "trust")

    def action_cancel(self) -> None:
        self.dismiss(False)
