"""The owner's versions of the emails' words: saving, reverting, comparing, a test send.

Every save is a new `EmailTemplateVersion`; the newest of a kind is in use
(dashboard/notify/custom.py compiles it), and reverting writes a new version too (a
copy of an old one, or a return to the file's default), so the history is never lost.
"""

import difflib
from dataclasses import dataclass

from sqlalchemy import select

from dashboard import notify
from dashboard.extensions import db
from dashboard.models import EmailTemplateVersion
from dashboard.notify import custom
from dashboard.notify.drafts import PART_LABELS, Checked, Draft, check
from dashboard.notify.kinds import get
from dashboard.notify.samples import sample_context
from dashboard.services import ServiceError, unit_of_work


def default_draft(kind: str) -> Draft:
    return Draft(**custom.default_parts(kind, get(kind).subject))


def newest(kind: str) -> EmailTemplateVersion | None:
    return db.session.scalar(
        select(EmailTemplateVersion)
        .where(EmailTemplateVersion.kind == kind, EmailTemplateVersion.language == custom.LANGUAGE)
        .order_by(EmailTemplateVersion.id.desc())
        .limit(1)
    )


def _draft_of(version: EmailTemplateVersion) -> Draft:
    return Draft(subject=version.subject or "", html=version.html or "", text=version.text or "")


def current_draft(kind: str) -> Draft:
    """The words in use: the newest version's, or the file's default."""
    version = newest(kind)
    return default_draft(kind) if version is None or version.is_default else _draft_of(version)


def customised() -> set[str]:
    """The kinds an owner has given their own words, in any language."""
    return {kind for kind, _language in custom.compiler().current()}


def versions(kind: str) -> list[EmailTemplateVersion]:
    return list(
        db.session.scalars(
            select(EmailTemplateVersion)
            .where(EmailTemplateVersion.kind == kind, EmailTemplateVersion.language == custom.LANGUAGE)
            .order_by(EmailTemplateVersion.id.desc())
        )
    )


def _version(kind: str, version_id: int) -> EmailTemplateVersion:
    version = db.session.get(EmailTemplateVersion, version_id)
    if version is None or version.kind != kind:
        raise LookupError(version_id)
    return version


def save(kind: str, draft: Draft, *, user_id: int | None) -> Checked:
    """Check the draft and, when nothing refuses it, keep it as the kind's newest version."""
    get(kind)
    checked = check(kind, draft)
    if not checked.ok:
        return checked
    with unit_of_work() as session:
        session.add(
            EmailTemplateVersion(
                kind=kind, subject=draft.subject, html=draft.html, text=draft.text, created_by_id=user_id
            )
        )
    return checked


def revert(kind: str, version_id: int | None, *, user_id: int | None) -> EmailTemplateVersion:
    """A new version copying `version_id`'s words, or (None) a return to the file's default."""
    get(kind)
    with unit_of_work() as session:
        if version_id is None:
            made = EmailTemplateVersion(kind=kind, created_by_id=user_id)
        else:
            old = _version(kind, version_id)
            if not old.is_default and not check(kind, _draft_of(old)).ok:
                raise ServiceError("That version no longer renders; edit it instead.")
            made = EmailTemplateVersion(
                kind=kind, subject=old.subject, html=old.html, text=old.text, created_by_id=user_id
            )
        session.add(made)
    return made


@dataclass
class PartDiff:
    label: str
    lines: list[str]


def diff_with_default(kind: str, version_id: int) -> tuple[EmailTemplateVersion, list[PartDiff]]:
    """Each part's unified diff from the file's default to the version (empty when the same)."""
    version = _version(kind, version_id)
    theirs = default_draft(kind) if version.is_default else _draft_of(version)
    ours = default_draft(kind)
    parts = []
    for part, label in PART_LABELS.items():
        lines = difflib.unified_diff(
            ours.part(part).splitlines(),
            theirs.part(part).splitlines(),
            "default",
            f"version {version.id}",
            lineterm="",
        )
        parts.append(PartDiff(label, list(lines)))
    return version, parts


def send_test(kind: str, to: str) -> int | None:
    """The kind in the words in use, with its sample data, queued to `to` (the owner)."""
    get(kind)
    if not to:
        raise ServiceError("Your account has no email address to send the test to.")
    with unit_of_work():
        return notify.email(kind, to=to, context=sample_context(kind))
