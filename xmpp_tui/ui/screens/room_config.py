"""A room's configuration form (XEP-0045 §10.2, a XEP-0004 data form) as a Textual form.

Every field type has its widget: text-single and jid-single an Input, text-private a password
Input, text-multi and jid-multi a TextArea (one value a line), boolean a Checkbox, list-single
a Select, list-multi a SelectionList, fixed a line of text; hidden fields are not shown and go
back unchanged. Labels, descriptions, instructions and option labels are the room's words:
sanitised, always given as `Text`, never parsed as markup.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Select, SelectionList, Static, TextArea
from textual.widgets.selection_list import Selection

from xmpp_tui.core.forms import DataForm, FieldType, FormField, boolean_value
from xmpp_tui.core.sanitize import sanitize_for_display, sanitize_identifier
from xmpp_tui.ui.render import one_line


def _plain(text: str) -> Text:
    return Text(sanitize_for_display(text))


def _option_label(field: FormField, value: str) -> Text:
    label = next((o.label for o in field.options if o.value == value and o.label), value)
    return one_line(sanitize_identifier(label))


class RoomConfigScreen(ModalScreen[DataForm | None]):
    """Dismisses with the form holding the user's values (Save), or None (Cancel, Escape)."""

    DEFAULT_CSS = """
    RoomConfigScreen { align: center middle; }
    RoomConfigScreen > Vertical {
        width: 76;
        max-width: 100%;
        height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    RoomConfigScreen .form-title { text-style: bold; }
    RoomConfigScreen .field-label { margin-top: 1; text-style: bold; }
    RoomConfigScreen .field-desc { color: $text-muted; }
    RoomConfigScreen #fields { height: 1fr; }
    RoomConfigScreen TextArea { height: 4; }
    RoomConfigScreen SelectionList { height: auto; max-height: 8; }
    RoomConfigScreen Horizontal { height: auto; align-horizontal: right; }
    RoomConfigScreen Button { margin-left: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, room: str, form: DataForm, title: str = "Room configuration") -> None:
        super().__init__()
        self.room = room
        self.form = form
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            title = sanitize_identifier(self.form.title or self.title_text)
            # Prosody's title already names the room: say it once.
            suffix = () if self.room in title else (" - ", one_line(self.room))
            yield Static(Text.assemble(one_line(title), *suffix), classes="form-title")
            with VerticalScroll(id="fields"):
                for line in self.form.instructions:
                    yield Static(_plain(line), classes="field-desc")
                for index, field in enumerate(self.form.fields):
                    yield from self._field(index, field)
            with Horizontal():
                yield Button(Text("Save"), id="save", variant="primary")
                yield Button(Text("Cancel"), id="cancel")

    def _field(self, index: int, field: FormField) -> ComposeResult:
        if field.type is FieldType.HIDDEN:
            return
        widget_id = f"field-{index}"
        label = field.label or field.var
        if field.type is FieldType.FIXED:
            for value in field.values or (label,):
                yield Static(_plain(value), classes="field-label")
            return
        if field.type is not FieldType.BOOLEAN:
            marker = " *" if field.required else ""
            yield Static(
                Text.assemble(one_line(sanitize_identifier(label)), marker), classes="field-label"
            )
        if field.desc:
            yield Static(_plain(field.desc), classes="field-desc")
        match field.type:
            case FieldType.BOOLEAN:
                yield Checkbox(one_line(sanitize_identifier(label)), field.checked, id=widget_id)
            case FieldType.TEXT_PRIVATE:
                yield Input(field.value, password=True, id=widget_id)
            case FieldType.TEXT_MULTI | FieldType.JID_MULTI:
                yield TextArea("\n".join(field.values), id=widget_id, soft_wrap=True)
            case FieldType.LIST_SINGLE:
                values = [o.value for o in field.options]
                if field.value and field.value not in values:
                    values.insert(0, field.value)
                yield Select[str](
                    [(_option_label(field, v), v) for v in values],
                    value=field.value if field.value else Select.NULL,
                    allow_blank=not field.value,
                    id=widget_id,
                )
            case FieldType.LIST_MULTI:
                values = [o.value for o in field.options]
                values += [v for v in field.values if v not in values]
                yield SelectionList[str](
                    *(Selection(_option_label(field, v), v, v in field.values) for v in values),
                    id=widget_id,
                )
            case _:  # text-single, jid-single
                yield Input(field.value, id=widget_id)

    def values(self) -> DataForm:
        """The form with what the widgets hold now."""
        changes: dict[str, tuple[str, ...]] = {}
        for index, field in enumerate(self.form.fields):
            if not field.editable or not field.var:
                continue
            widget = self.query_one(f"#field-{index}", Widget)
            match widget:
                case Checkbox():
                    changes[field.var] = boolean_value(widget.value)
                case Input():
                    changes[field.var] = (widget.value,) if widget.value else ()
                case TextArea() if field.type is FieldType.JID_MULTI:
                    changes[field.var] = tuple(
                        line.strip() for line in widget.text.splitlines() if line.strip()
                    )
                case TextArea():  # text-multi: one value a line, blank lines kept
                    changes[field.var] = tuple(widget.text.splitlines())
                case Select():
                    value = widget.value
                    changes[field.var] = (value,) if isinstance(value, str) else ()
                case SelectionList():
                    changes[field.var] = tuple(str(v) for v in widget.selected)
        return self.form.with_values(changes)

    def on_mount(self) -> None:
        first = next(iter(self.query("#fields Input, #fields Checkbox, #fields Select")), None)
        (first or self.query_one("#cancel", Button)).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(self.values() if event.button.id == "save" else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
