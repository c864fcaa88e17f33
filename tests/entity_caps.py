"""XEP-0115 §5.1 verification string, written independently of slixmpp (from the XML).

Used by the tests to check what our client announces in its presence ``<c ver=...>``
against what it answers to disco#info.
"""

from __future__ import annotations

import base64
import hashlib
from xml.etree.ElementTree import Element

DISCO_INFO = "http://jabber.org/protocol/disco#info"
DATA_FORMS = "jabber:x:data"
CAPS = "http://jabber.org/protocol/caps"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def verification_string(query: Element) -> str:
    """The string S of XEP-0115 §5.1 for a disco#info ``<query/>`` element."""
    identities = sorted(
        "/".join(
            (
                identity.get("category", ""),
                identity.get("type", ""),
                identity.get(_XML_LANG, ""),
                identity.get("name", ""),
            )
        )
        for identity in query.findall(f"{{{DISCO_INFO}}}identity")
    )
    features = sorted(
        feature.get("var", "") for feature in query.findall(f"{{{DISCO_INFO}}}feature")
    )
    parts = [f"{item}<" for item in (*identities, *features)]
    forms = []
    for form in query.findall(f"{{{DATA_FORMS}}}x"):
        fields = {
            field.get("var", ""): sorted(
                value.text or "" for value in field.findall(f"{{{DATA_FORMS}}}value")
            )
            for field in form.findall(f"{{{DATA_FORMS}}}field")
        }
        form_type = fields.pop("FORM_TYPE", None)
        if not form_type:
            continue  # §5.4: a form without FORM_TYPE is ignored
        text = f"{form_type[0]}<"
        for var in sorted(fields):
            text += f"{var}<" + "".join(f"{value}<" for value in fields[var])
        forms.append((form_type[0], text))
    parts.extend(text for _type, text in sorted(forms))
    return "".join(parts)


def ver(query: Element) -> str:
    """base64(SHA-1(S)), the ``ver`` attribute for ``hash='sha-1'``."""
    digest = hashlib.sha1(
        verification_string(query).encode("utf-8")
    ).digest()  # XEP-0115 mandates SHA-1
    return base64.b64encode(digest).decode("ascii")
