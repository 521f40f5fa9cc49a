"""The clinic's logo: checked, stored in the database, named by the CLINIC_LOGO setting.

PNG and JPEG are recognised by their first bytes, never by the name or type the browser
gives. An SVG is a document that can run script, so one with script, event handlers,
foreign objects, entities or any reference outside itself is refused rather than cleaned.
"""

import re

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from dashboard import settings
from dashboard.extensions import db
from dashboard.models import ClinicLogo
from dashboard.services import ServiceError, unit_of_work
from dashboard.services.clinic_settings import store, write

MAX_BYTES = 200 * 1024
PNG, JPEG, SVG = "image/png", "image/jpeg", "image/svg+xml"
_FORBIDDEN_TAGS = {"script", "foreignobject", "iframe", "embed", "object", "use", "image", "a"}
_URL = re.compile(r"url\s*\(|@import|javascript:", re.IGNORECASE)


def content_type(data: bytes) -> str:
    """The logo's type, or ServiceError saying why it can't be used."""
    if not data:
        raise ServiceError("Choose a PNG, JPEG or SVG file for the logo.")
    if len(data) > MAX_BYTES:
        raise ServiceError(f"The logo is {len(data) // 1024} KB: at most {MAX_BYTES // 1024} KB, please.")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if b"<svg" in data[:4096]:
        _check_svg(data)
        return SVG
    raise ServiceError("The logo must be a PNG, JPEG or SVG image.")


def _check_svg(data: bytes) -> None:
    refused = ServiceError(
        "This SVG can't be used: it has script, event handlers or links to other files. "
        "Export it as a plain SVG or a PNG."
    )
    try:
        root = ElementTree.fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, ElementTree.ParseError):
        raise refused from None
    if _local(root.tag) != "svg":
        raise ServiceError("The logo must be a PNG, JPEG or SVG image.")
    for element in root.iter():
        if _local(element.tag) in _FORBIDDEN_TAGS or (element.text and _URL.search(element.text)):
            raise refused
        for name, value in element.attrib.items():
            attribute = _local(name)
            if attribute.startswith("on") or (attribute == "href" and not value.startswith("#")):
                raise refused
            if _URL.search(value) and not re.fullmatch(r"url\(#[\w-]+\)", value.strip()):
                raise refused


def _local(name: str) -> str:
    return name.rpartition("}")[2].lower()


def upload(data: bytes, user_id: int) -> int:
    """Store a new logo and make it the clinic's; its id."""
    kind = content_type(data)
    with unit_of_work():
        logo = ClinicLogo(content_type=kind, data=data, uploaded_by=user_id)
        db.session.add(logo)
        db.session.flush()
        write({"CLINIC_LOGO": str(logo.id)}, user_id)
    settings.changed()
    return logo.id


def remove(user_id: int) -> None:
    store({"CLINIC_LOGO": ""}, user_id)


def current_url() -> str | None:
    """The current logo's path (/logo/<id>), or None."""
    logo = settings.as_text(settings.setting("CLINIC_LOGO"))
    return f"/logo/{logo}" if logo.isdigit() else None


def find(logo_id: int) -> ClinicLogo | None:
    return db.session.get(ClinicLogo, logo_id)
