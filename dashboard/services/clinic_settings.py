"""Saving the owner's clinic settings (/admin/settings), with an audit of every change."""

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from dashboard import settings
from dashboard.extensions import db
from dashboard.models import ClinicSetting, SettingChange, User
from dashboard.models.base import utcnow
from dashboard.services import ServiceError, unit_of_work
from dashboard.setting_fields import FIELDS, Invalid

LOCKED_MESSAGE = "Set by the server: it can't be changed here."


class SettingsInvalid(ServiceError):
    """Some values can't be used: nothing was saved. `errors` maps each key to its reason."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("Nothing was saved: please correct the settings marked below.")
        self.errors = errors


def current_values() -> dict[str, str]:
    """Every field's effective value, as text (what the form shows)."""
    return {key: settings.as_text(settings.setting(key)) for key in FIELDS}


def cleaned(submitted: Mapping[str, str]) -> dict[str, str]:
    """The submitted values that differ from the effective ones, checked; SettingsInvalid if any
    is wrong or would change a locked key. Keys not submitted are left as they are."""
    current, locked = current_values(), settings.locked_keys()
    errors, changes = {}, {}
    for key, field in FIELDS.items():
        if key not in submitted:
            continue
        try:
            value = field.check(submitted[key])
        except Invalid as exc:
            errors[key] = str(exc)
            continue
        if value == current[key]:
            continue
        if key in locked:
            errors[key] = LOCKED_MESSAGE
        else:
            changes[key] = value
    if errors:
        raise SettingsInvalid(errors)
    return changes


def save(submitted: Mapping[str, str], user_id: int) -> list[str]:
    """Check every submitted value and store the changed ones, or none; the keys changed."""
    changes = cleaned(submitted)
    if changes:
        store(changes, user_id)
    return list(changes)


def store(changes: Mapping[str, str], user_id: int) -> None:
    """Write already checked values and their audit in one transaction, then tell every process."""
    with unit_of_work():
        write(changes, user_id)
    settings.changed()


def write(changes: Mapping[str, str], user_id: int) -> None:
    """The rows of a change and its audit, in the caller's transaction (which then calls
    `settings.changed()` once it has committed)."""
    old = {key: settings.as_text(settings.setting(key)) for key in changes}
    user = db.session.get(User, user_id)
    name = user.full_name if user else "Someone"
    now = utcnow()
    for key, value in changes.items():
        row = db.session.get(ClinicSetting, key)
        if row is None:
            db.session.add(ClinicSetting(key=key, value=value, updated_at=now, updated_by=user_id))
        else:
            row.value, row.updated_at, row.updated_by = value, now, user_id
        db.session.add(
            SettingChange(
                key=key, old_value=old[key], new_value=value, changed_by=user_id, changed_by_name=name, changed_at=now
            )
        )


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str
    who: str
    at: object


def recent_changes(limit: int = 50) -> list[Change]:
    rows = db.session.scalars(
        select(SettingChange).order_by(SettingChange.changed_at.desc(), SettingChange.id.desc()).limit(limit)
    )
    return [
        Change(
            _label(row.key),
            _shown(row.key, row.old_value),
            _shown(row.key, row.new_value),
            row.changed_by_name,
            row.changed_at,
        )
        for row in rows
    ]


def _shown(key: str, value: str | None) -> str:
    """A value as the audit shows it: a logo's id says only whether there was one."""
    if key == "CLINIC_LOGO":
        return f"logo no. {value}" if value else "none"
    return value or ""


def _label(key: str) -> str:
    field = FIELDS.get(key)
    return field.label if field else "Logo" if key == "CLINIC_LOGO" else key
