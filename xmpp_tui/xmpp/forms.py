"""XEP-0004 data forms on the wire: read a ``<x xmlns='jabber:x:data'/>`` into
:class:`~xmpp_tui.core.forms.DataForm` and write a submission back.

Plain ElementTree, no slixmpp stanza classes: the reader coerces every attribute and text to
``str`` and keeps nothing else, so the rest of the program never sees an element.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from xmpp_tui.core.forms import DataForm, FormField, FormOption, field_type

DATA_NS = "jabber:x:data"
_X = f"{{{DATA_NS}}}x"
_FIELD = f"{{{DATA_NS}}}field"
_VALUE = f"{{{DATA_NS}}}value"
_OPTION = f"{{{DATA_NS}}}option"

#: Bounds against a hostile form (a room is remote): fields, values and options kept.
MAX_FIELDS = 500
MAX_VALUES = 1000


def find_form(parent: ET.Element | None) -> ET.Element | None:
    """The first data form directly under ``parent``."""
    return parent.find(_X) if parent is not None else None


def read_form(element: ET.Element) -> DataForm:
    fields: list[FormField] = []
    for item in element.findall(_FIELD)[:MAX_FIELDS]:
        options = tuple(
            FormOption(value=_text(option.find(_VALUE)), label=option.get("label") or "")
            for option in item.findall(_OPTION)[:MAX_VALUES]
        )
        fields.append(
            FormField(
                var=item.get("var") or "",
                type=field_type(item.get("type") or ""),
                label=item.get("label") or "",
                desc=_text(item.find(f"{{{DATA_NS}}}desc")),
                required=item.find(f"{{{DATA_NS}}}required") is not None,
                values=tuple(_text(v) for v in item.findall(_VALUE)[:MAX_VALUES]),
                options=options,
            )
        )
    return DataForm(
        title=_text(element.find(f"{{{DATA_NS}}}title")),
        instructions=tuple(_text(i) for i in element.findall(f"{{{DATA_NS}}}instructions")),
        fields=tuple(fields),
    )


def write_submission(parent: ET.Element, form: DataForm) -> ET.Element:
    """Append ``<x type='submit'/>`` with ``form``'s values to ``parent``."""
    x = ET.SubElement(parent, _X, type="submit")
    for var, values in form.submission():
        item = ET.SubElement(x, _FIELD, var=var)
        for value in values:
            ET.SubElement(item, _VALUE).text = value
    return x


def _text(element: ET.Element | None) -> str:
    return (element.text or "") if element is not None else ""
