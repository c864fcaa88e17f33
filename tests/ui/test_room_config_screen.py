"""The room configuration form screen on its own: every XEP-0004 field type gets its widget,
the room's labels stay literal text (never markup), edits come back as the submitted form,
hidden and fixed fields untouched."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import (
    Checkbox,
    Input,
    Select,
    SelectionList,
    Static,
    TextArea,
)

from xmpp_tui.core.forms import DataForm, FieldType, FormField, FormOption
from xmpp_tui.ui.screens.room_config import RoomConfigScreen

HOSTILE = "[@click=app.quit]Name[/] \x1b]8;;http://x\x07"

FORM = DataForm(
    title="Configuration [b]x[/b]",
    instructions=("Fill in [i]this[/i]",),
    fields=(
        FormField(var="FORM_TYPE", type=FieldType.HIDDEN, values=("urn:test",)),
        FormField(var="", type=FieldType.FIXED, values=("Section [red]one[/red]",)),
        FormField(var="name", type=FieldType.TEXT_SINGLE, label=HOSTILE, values=("Old",)),
        FormField(var="secret", type=FieldType.TEXT_PRIVATE, label="Password", values=("pw",)),
        FormField(var="desc", type=FieldType.TEXT_MULTI, label="About", values=("a", "b")),
        FormField(var="public", type=FieldType.BOOLEAN, label="Public [b]?[/b]", values=("0",)),
        FormField(
            var="who",
            type=FieldType.LIST_SINGLE,
            label="Who",
            values=("moderators",),
            options=(
                FormOption(value="moderators", label="Moderators"),
                FormOption(value="anyone", label="Anyone [b]![/b]"),
            ),
        ),
        FormField(
            var="roles",
            type=FieldType.LIST_MULTI,
            label="Roles",
            values=("moderator",),
            options=(FormOption(value="moderator"), FormOption(value="participant")),
        ),
        FormField(var="contact", type=FieldType.JID_SINGLE, label="Contact", values=()),
        FormField(var="admins", type=FieldType.JID_MULTI, label="Admins", values=("a@x",)),
        FormField(var="untyped", label="Untyped", desc="Desc [b]bold?[/b]", values=("u",)),
    ),
)


class FormApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.result: list[DataForm | None] = []

    def compose(self) -> ComposeResult:
        yield Static(Text("base"))

    def on_mount(self) -> None:
        self.push_screen(RoomConfigScreen("room@muc.example.org", FORM), self.result.append)


def _index(var: str) -> str:
    return f"#field-{next(i for i, f in enumerate(FORM.fields) if f.var == var)}"


async def test_every_field_type_edits_and_saves() -> None:
    app = FormApp()
    async with app.run_test(size=(80, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, RoomConfigScreen)
        texts = [str(s.render()) for s in screen.query(Static)]
        # Remote words are shown literally: the brackets are there, no link, no action.
        assert any("[@click=app.quit]Name[/]" in t for t in texts)
        assert any("Section [red]one[/red]" in t for t in texts)
        assert any("Desc [b]bold?[/b]" in t for t in texts)
        assert not any("\x1b" in t for t in texts)
        assert not screen.query(f"#field-{0}")  # hidden: no widget
        assert screen.query_one(_index("secret"), Input).password

        screen.query_one(_index("name"), Input).value = "New name"
        screen.query_one(_index("secret"), Input).value = ""
        screen.query_one(_index("desc"), TextArea).text = "line one\n\nline two"
        screen.query_one(_index("public"), Checkbox).value = True
        screen.query_one(_index("who"), Select).value = "anyone"
        roles = screen.query_one(_index("roles"), SelectionList)
        roles.deselect("moderator")
        roles.select("participant")
        screen.query_one(_index("contact"), Input).value = "c@x"
        screen.query_one(_index("admins"), TextArea).text = " a@x\n\nb@x "
        await pilot.pause()
        await pilot.click("#save")
        await pilot.pause()

    assert len(app.result) == 1 and app.result[0] is not None
    saved = dict(app.result[0].submission())
    assert saved == {
        "FORM_TYPE": ("urn:test",),
        "name": ("New name",),
        "secret": (),
        "desc": ("line one", "", "line two"),
        "public": ("1",),
        "who": ("anyone",),
        "roles": ("participant",),
        "contact": ("c@x",),
        "admins": ("a@x", "b@x"),
        "untyped": ("u",),
    }


async def test_escape_cancels() -> None:
    app = FormApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        await pilot.pause()
    assert app.result == [None]
