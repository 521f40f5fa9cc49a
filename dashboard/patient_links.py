"""Signed links: how patients act without logging in.

Each link is made with itsdangerous for one purpose (its own salt, so a
cancel link can't be used to book), carries ids only (never a name or an
address: the payload is signed, not encrypted), and expires. Acting once
where twice would matter is enforced by the state the link points at (a
booked offer, a cancelled appointment), not by the signature alone.
"""

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, Signer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.url_safe import URLSafeSerializerMixin

from dashboard.navigation import link_maker

# purpose: how long its links work
LIFETIMES = {
    "book": timedelta(days=14),  # an offered slot (the slot's own time ends it sooner)
    "availability": timedelta(days=14),  # a practitioner's open times, for one patient
    "appointment": timedelta(days=120),  # see, confirm, cancel or ask to move one appointment
    "patient": timedelta(days=120),  # the patient's own page
    "preferences": timedelta(days=365),
    "unsubscribe": timedelta(days=365),
}


class LinkInvalid(Exception):
    """Not a link we made for this purpose: tampered with, truncated, or for something else."""


class LinkExpired(Exception):
    """A real link, but past its lifetime. `ids` are what it carried: enough to say so in its
    patient's language, and never to act on (nor to make them a fresh link)."""

    def __init__(self, purpose: str, ids: object = None) -> None:
        super().__init__(purpose)
        self.ids = ids if isinstance(ids, dict) else {}


@dataclass(frozen=True)
class Link:
    purpose: str
    ids: dict


SHORT = 64  # JSON payloads up to this size are never shortened by zlib


class _CompactJSON:
    """itsdangerous's compact JSON (no spaces, UTF-8 kept). A link's ids (a flat dict of
    string keys and whole numbers or short strings) are written directly, as `json.dumps`
    writes them: building the encoder took longer than the rest of signing a link."""

    _encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    loads = staticmethod(json.loads)

    @classmethod
    def dumps(cls, obj) -> str:
        if type(obj) is dict and all(type(k) is str and type(v) in (int, str) for k, v in obj.items()):
            quote = json.encoder.encode_basestring
            return "{" + ",".join(f"{quote(k)}:{v if type(v) is int else quote(v)}" for k, v in obj.items()) + "}"
        return cls._encode(obj)


class _Serializer(URLSafeTimedSerializer):
    """itsdangerous's URL-safe timed serializer, without its zlib attempt on a payload too short
    to gain from it: a fan-out signs four links a patient, and zlib's set-up cost more than the
    rest of the signing. The token is the same bytes, and `loads` reads it as ever."""

    default_serializer = _CompactJSON

    def dump_payload(self, obj) -> bytes:
        payload = super(URLSafeSerializerMixin, self).dump_payload(obj)  # the JSON, as itsdangerous writes it
        return base64_encode(payload) if len(payload) <= SHORT else super().dump_payload(obj)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    if purpose not in LIFETIMES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    return _serializer_for(current_app.config["SECRET_KEY"], purpose)


@functools.lru_cache(maxsize=64)
def _serializer_for(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    return _Serializer(secret_key, salt=f"patient-link:{purpose}")


@functools.lru_cache(maxsize=64)
def _signing(secret_key: str, purpose: str) -> tuple[URLSafeTimedSerializer, Signer]:
    serializer = _serializer_for(secret_key, purpose)
    return serializer, serializer.make_signer()


class Links:
    """Writes links for emails. Each purpose's signer and each page's address are looked up
    once per writer, so a fan-out that signs four links for each of thousands of patients
    makes one writer for all of them; the module's functions make one per call."""

    def __init__(self) -> None:
        self._secret = current_app.config["SECRET_KEY"]
        self._makers: dict[str, Callable[..., str]] = {}

    def token(self, purpose: str, **ids: int | str) -> str:
        """Exactly what `_serializer(purpose).dumps(ids)` writes (tested against itsdangerous), with
        the purpose's serializer and signer made once: half the time of a `dumps` call."""
        if purpose not in LIFETIMES:
            raise ValueError(f"unknown link purpose {purpose!r}")
        serializer, signer = _signing(self._secret, purpose)
        return signer.sign(serializer.dump_payload(ids)).decode("ascii")

    def address(self, endpoint: str, **values) -> str:
        maker = self._makers.get(endpoint)
        if maker is None:
            maker = self._makers[endpoint] = link_maker(endpoint)
        return maker(**values)

    def url(self, purpose: str, endpoint: str | None = None, **ids: int | str) -> str:
        return self.address(endpoint or f"portal.{purpose}", token=self.token(purpose, **ids))

    def for_appointment(self, appointment_id: int, patient_id: int) -> dict[str, str]:
        value = self.token("appointment", a=appointment_id, p=patient_id)
        return {
            "manage_url": self.address("portal.appointment", token=value),
            "reschedule_url": self.address("portal.reschedule", token=value),
            "cancel_url": self.address("portal.cancel", token=value),
            "patient_url": self.url("patient", p=patient_id),
        }

    def for_optional_email(self, kind: str, patient_id: int) -> dict[str, str]:
        return {
            "unsubscribe_url": self.url("unsubscribe", p=patient_id, k=kind),
            "preferences_url": self.url("preferences", p=patient_id),
        }


def token(purpose: str, **ids: int | str) -> str:
    return Links().token(purpose, **ids)


def url(purpose: str, endpoint: str | None = None, **ids: int | str) -> str:
    """The absolute URL (on BASE_URL) of a `purpose` link, for an email; the page is
    `portal.<purpose>` unless another `endpoint` reads the same kind of link."""
    return Links().url(purpose, endpoint, **ids)


def for_appointment(appointment_id: int, patient_id: int) -> dict[str, str]:
    """The links an appointment's emails carry: see it, ask to move it, cancel it, and the patient's page."""
    return Links().for_appointment(appointment_id, patient_id)


def for_optional_email(kind: str, patient_id: int) -> dict[str, str]:
    """What an optional email carries: one-click unsubscribe from `kind`, and the preferences page."""
    return Links().for_optional_email(kind, patient_id)


def read(purpose: str, value: str) -> dict:
    """The ids a link carries; LinkInvalid or LinkExpired otherwise."""
    serializer = _serializer(purpose)
    try:
        ids = serializer.loads(value, max_age=int(LIFETIMES[purpose].total_seconds()))
    except SignatureExpired as exc:
        _valid, carried = serializer.loads_unsafe(value)  # signed by us (just checked), only too old
        raise LinkExpired(purpose, carried) from exc
    except BadSignature as exc:
        raise LinkInvalid(purpose) from exc
    if not isinstance(ids, dict):
        raise LinkInvalid(purpose)
    return ids
