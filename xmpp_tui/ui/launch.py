"""Run the app for some settings: build the service, run, return the exit code."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xmpp_tui.secrets import PasswordSource
    from xmpp_tui.settings import Settings


def run_app(settings: Settings, *, passwords: PasswordSource | None = None) -> int:
    """``passwords``: where passwords come from (default: password_command, keyring)."""
    # Imported here so `xmpp-tui --version` never loads Textual or slixmpp.
    from xmpp_tui.paths import app_paths
    from xmpp_tui.service.factory import build_service
    from xmpp_tui.ui.app import make_app

    service = build_service(settings, passwords=passwords)
    app = make_app(
        service,
        idle_inactive_after=settings.idle_inactive_after,
        theme=settings.theme,
        user_themes_dir=app_paths().config_dir / "themes",
        config_path=settings.config_path,
        notifications=settings.notifications,
    )
    result = app.run(mouse=settings.notifications.mouse)
    if result is not None:
        return result
    return app.return_code or 0
