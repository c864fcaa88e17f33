"""XEP-0004 data forms as plain values (pure): what a room's configuration form (XEP-0045
§10.2) holds, and the changes the user made to it.

Every label, description, instruction and option label here is remote text: the UI sanitises it
and never renders it as markup. Values travel back unchanged (a hidden ``FORM_TYPE`` must).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum


class FieldType(StrEnum):
    BOOLEAN = "boolean"
    FIXED = "fixed"
    HIDDEN = "hidden"
    JID_MULTI = "jid-multi"
    JID_SINGLE = "jid-single"
    LIST_MULTI = "list-multi"
    LIST_SINGLE = "list-single"
    TEXT_MULTI = "text-multi"
    TEXT_PRIVATE = "text-private"
    TEXT_SINGLE = "text-single"


#: Types whose value is several lines or items.
MULTI_VALUED = frozenset({FieldType.JID_MULTI, FieldType.LIST_MULTI, FieldType.TEXT_MULTI})


def field_type(text: str) -> FieldType:
    """XEP-0004 §3.3: a field without a (known) type is text-single."""
    try:
        return FieldType(text)
    except ValueError:
        return FieldType.TEXT_SINGLE


@dataclass(frozen=True, slots=True, kw_only=True)
class FormOption:
    value: str
    label: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FormField:
    var: str  # empty only for a fixed field
    type: FieldType = FieldType.TEXT_SINGLE
    label: str = ""
    desc: str = ""
    required: bool = False
    values: tuple[str, ...] = ()
    options: tuple[FormOption, ...] = ()

    @property
    def value(self) -> str:
        return self.values[0] if self.values else ""

    @property
    def checked(self) -> bool:
        """A boolean field's value (XEP-0004 §3.3: "1" or "true")."""
        return self.value.strip().lower() in ("1", "true")

    @property
    def editable(self) -> bool:
        return self.type not in (FieldType.FIXED, FieldType.HIDDEN)


@dataclass(frozen=True, slots=True, kw_only=True)
class DataForm:
    title: str = ""
    instructions: tuple[str, ...] = ()
    fields: tuple[FormField, ...] = ()

    def field(self, var: str) -> FormField | None:
        return next((f for f in self.fields if f.var == var), None)

    def with_values(self, changes: Mapping[str, tuple[str, ...]]) -> DataForm:
        """The same form with some fields' values replaced (unknown vars are ignored)."""
        fields = tuple(
            replace(f, values=tuple(changes[f.var])) if f.var in changes and f.var else f
            for f in self.fields
        )
        return replace(self, fields=fields)

    def submission(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(var, values) for a ``type='submit'`` form: every field with a var but the fixed
        ones (XEP-0004 §3.3), hidden ones included."""
        return tuple(
            (f.var, f.values) for f in self.fields if f.var and f.type is not FieldType.FIXED
        )


def boolean_value(checked: bool) -> tuple[str, ...]:
    return ("1",) if checked else ("0",)
