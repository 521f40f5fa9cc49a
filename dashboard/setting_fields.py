"""The settings the owner may change on /admin/settings: their groups, labels and checks.

Each check takes the text typed and returns it as it is stored (the string the environment
would give), or raises `Invalid` with the sentence the page shows beside the field.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from zoneinfo import available_timezones

from croniter import croniter
from email_validator import EmailNotValidError, validate_email


class Invalid(ValueError):
    """A value the owner typed that can't be used, with the reason to show them."""


def text(limit: int, required: bool = True) -> Callable[[str], str]:
    def check(value: str) -> str:
        value = value.strip()
        if required and not value:
            raise Invalid("This can't be empty.")
        if len(value) > limit:
            raise Invalid(f"At most {limit} characters, please.")
        return value

    return check


def one_line(limit: int, required: bool = True) -> Callable[[str], str]:
    check_text = text(limit, required)

    def check(value: str) -> str:
        return " ".join(check_text(value).split())

    return check


def colour(value: str) -> str:
    value = value.strip().lower()
    if not re.fullmatch(r"#[0-9a-f]{6}", value):
        raise Invalid("A colour as #rrggbb, e.g. #0b6e69.")
    return value


def zone(value: str) -> str:
    """A zone of the IANA database, looked up in its list (never opened as a file by a typed name)."""
    value = value.strip()
    if value not in zones():
        shown = value if 0 < len(value) <= 60 else "That"
        raise Invalid(f"{shown} is not a time zone; use a name such as Pacific/Auckland.")
    return value


def address(value: str, required: bool = True) -> str:
    value = value.strip()
    if not value and not required:
        return ""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise Invalid("An email address, e.g. reception@yourclinic.co.nz.") from None
    return value


def reply_to(value: str) -> str:
    return address(value, required=False)


def sender(value: str) -> str:
    """An address, or "Name <address>"."""
    value = " ".join(value.split())
    found = re.fullmatch(r"(?:(.+?)\s*<([^<>]+)>|([^<>]+))", value)
    if not found:
        raise Invalid("An email address, or a name and address as Harbourside Clinic <reception@yourclinic.co.nz>.")
    address(found.group(2) or found.group(3))
    return value


def whole(low: int, high: int, unit: str = "") -> Callable[[str], str]:
    """A whole number from `low` to `high` (bounded: a count of days becomes a timedelta)."""
    words = f"A whole number{f' of {unit}' if unit else ''} from {low} to {high}."

    def check(value: str) -> str:
        value = value.strip()
        if not (value.isascii() and value.isdigit()) or len(value) > 6 or not low <= int(value) <= high:
            raise Invalid(words)
        return str(int(value))

    return check


def hours_list(value: str) -> str:
    parts = [part.strip() for part in value.split(",")]
    if not all(part.isascii() and part.isdigit() and len(part) < 5 and 0 < int(part) <= 720 for part in parts):
        raise Invalid("Hours before the appointment (1 to 720), e.g. 24, or 24,2 for two reminders.")
    return ",".join(str(int(part)) for part in parts)


def tax_rate(value: str) -> str:
    value = value.strip() or "0"
    try:
        rate = Decimal(value)
    except InvalidOperation:
        rate = Decimal(-1)
    if not rate.is_finite() or not 0 <= rate < 1:
        raise Invalid("A fraction from 0 up to 1, e.g. 0.15 for 15%.")
    return value


def crontab(value: str) -> str:
    value = " ".join(value.split())
    if len(value.split()) != 5 or not croniter.is_valid(value):
        raise Invalid("A crontab line of five fields (UTC), e.g. 5 * * * * for five past every hour.")
    return value


def quiet_hours(value: str) -> str:
    value = value.strip().replace(" ", "")
    if not value:
        return ""
    found = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)", value)
    if not found or found.group(1, 2) == found.group(3, 4):
        raise Invalid("From and to as HH:MM-HH:MM in clinic time, e.g. 20:00-08:00 (or leave it empty).")
    return value


OFFER_MODES = {"everyone": "Everyone at once", "one_at_a_time": "One at a time, each held in turn"}


def offer_mode(value: str) -> str:
    if value not in OFFER_MODES:
        raise Invalid("Choose one of the two ways.")
    return value


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    check: Callable[[str], str]
    hint: str = ""
    widget: str = "text"  # text | textarea | colour | number | select | zone

    @property
    def name(self) -> str:
        return self.key.lower()


GROUPS: list[tuple[str, list[Field]]] = [
    (
        "Clinic",
        [
            Field("CLINIC_NAME", "Clinic name", one_line(120)),
            Field("CLINIC_ADDRESS", "Address", one_line(200)),
            Field("CLINIC_PHONE", "Phone", one_line(40)),
            Field("CLINIC_BRAND_COLOUR", "Brand colour", colour, "On buttons, the header and emails.", "colour"),
        ],
    ),
    (
        "Email",
        [
            Field("MAIL_DEFAULT_SENDER", "Sender", sender, "An address, or Name <address>."),
            Field("CLINIC_REPLY_TO", "Reply-to", reply_to, "Where patients' replies go (empty: the sender)."),
        ],
    ),
    ("Time", [Field("CLINIC_TIMEZONE", "Time zone", zone, "e.g. Pacific/Auckland.", "zone")]),
    (
        "Money",
        [
            Field("CLINIC_CURRENCY_SYMBOL", "Currency symbol", one_line(5)),
            Field("CLINIC_TAX_RATE", "Tax rate", tax_rate, "A fraction: 0.15 is 15%, 0 is none."),
            Field("CLINIC_TAX_LABEL", "Tax label", one_line(20)),
            Field("PAYMENT_INSTRUCTIONS", "Payment instructions", text(1000), "On invoices and reminders.", "textarea"),
            Field("INVOICE_DUE_DAYS", "Invoice due after (days)", whole(1, 365, "days"), widget="number"),
        ],
    ),
    (
        "Reminders & offers",
        [
            Field("REMINDER_HOURS", "Reminders (hours before)", hours_list, "e.g. 24, or 24,2 for two."),
            Field("OFFER_MODE", "Offering an opened slot", offer_mode, widget="select"),
            Field("OFFER_HOLD_MINUTES", "Offer hold (minutes)", whole(1, 10080, "minutes"), widget="number"),
            Field(
                "PATIENT_EMAIL_GRACE_MINUTES",
                "Grace before change emails (minutes)",
                whole(0, 1440, "minutes"),
                "0: at once.",
            ),
            Field("PAYMENT_REMINDER_DAYS", "Payment reminders every (days)", whole(1, 365, "days"), widget="number"),
            Field("REMINDER_CRON", "Reminder scan (crontab, UTC)", crontab),
            Field("PAYMENT_REMINDER_CRON", "Payment reminder scan (crontab, UTC)", crontab),
        ],
    ),
    (
        "Quiet hours",
        [Field("QUIET_HOURS", "Quiet hours (clinic time)", quiet_hours, "e.g. 20:00-08:00; empty: none.")],
    ),
    ("Sign-in", [Field("SESSION_HOURS", "A login lasts (hours)", whole(1, 720, "hours"), widget="number")]),
]

FIELDS = {field.key: field for _group, fields in GROUPS for field in fields}


@cache
def zones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))
