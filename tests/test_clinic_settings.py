"""The owner's clinic settings (/admin/settings): checked values, the audit, locks, the cache,
and the logo. The worker's side (a change seen by the next job) is in
tests/test_clinic_settings_processes.py, the browser's in tests/test_browser_settings.py."""

import struct
import zlib
from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from flask import g
from sqlalchemy import func, select

from dashboard import queues, settings
from dashboard.clinic_time import clinic_zone
from dashboard.extensions import db
from dashboard.jobs.cron import build_scheduler
from dashboard.models import ClinicSetting, SettingChange
from dashboard.models.base import utcnow
from dashboard.notify.render import render_email
from dashboard.notify.samples import sample_context
from dashboard.services import clinic_logo
from dashboard.settings import setting


def png(width: int = 1, height: int = 1) -> bytes:
    """A real PNG, one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x0b\x6e\x69" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


CLEAN_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="#0b6e69"/></svg>'
)


def save(auth, **values):
    return auth.post("/admin/settings", data=values, form_page="/admin/settings")


def upload(auth, data: bytes, name: str = "logo.png"):
    return auth.post(
        "/admin/settings/logo", data={"logo": (BytesIO(data), name)}, form_page="/admin/settings",
        content_type="multipart/form-data", follow_redirects=True,
    )  # fmt: skip


@pytest.fixture
def owner(auth, people):
    auth.login(people["owner"].username)
    return auth


def test_a_change_shows_on_the_next_page_and_in_the_next_email(owner, client):
    response = save(owner, clinic_name="Ngātiwai Health 🌿 O'Brien's", clinic_brand_colour="#AA3300")
    assert response.status_code == 302
    page = client.get("/home").get_data(as_text=True)
    assert "Ngātiwai Health 🌿 O&#39;Brien&#39;s" in page
    assert "--bs-primary: #aa3300" in page
    rendered = render_email("appointment_confirmation", sample_context("appointment_confirmation"))
    assert "Ngātiwai Health 🌿 O&#39;Brien&#39;s" in rendered.html and "Ngātiwai Health 🌿 O'Brien's" in rendered.text
    assert "background-color: #aa3300" in rendered.html


def test_the_audit_says_who_changed_what_and_when(owner, client, people):
    save(owner, invoice_due_days="21", clinic_tax_label="GST")
    assert setting("INVOICE_DUE_DAYS") == 21  # the config's type, from the stored string
    changes = db.session.scalars(select(SettingChange).order_by(SettingChange.key)).all()
    assert [(c.key, c.old_value, c.new_value, c.changed_by_name) for c in changes] == [
        ("CLINIC_TAX_LABEL", "Tax", "GST", people["owner"].full_name),
        ("INVOICE_DUE_DAYS", "14", "21", people["owner"].full_name),
    ]
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Invoice due after (days)</strong>: 14 → 21" in page and people["owner"].full_name in page


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("clinic_timezone", "Pacific/Atlantis", "is not a time zone"),
        ("clinic_brand_colour", "teal", "A colour as #rrggbb"),
        ("invoice_due_days", "0", "A whole number of days from 1 to 365."),
        ("invoice_due_days", "99999999999999999999", "A whole number of days from 1 to 365."),
        ("offer_hold_minutes", "-5", "A whole number of minutes from 1 to 10080."),
        ("patient_email_grace_minutes", "١٢", "A whole number of minutes from 0 to 1440."),
        ("reminder_cron", "every hour", "A crontab line of five fields"),
        ("payment_reminder_cron", "61 * * * *", "A crontab line of five fields"),
        ("mail_default_sender", "reception at clinic", "An email address"),
        ("clinic_reply_to", "not-an-address", "An email address"),
        ("quiet_hours", "8pm-8am", "HH:MM-HH:MM"),
        ("clinic_tax_rate", "15%", "A fraction from 0 up to 1"),
        ("reminder_hours", "24,soon", "Hours before the appointment"),
        ("clinic_name", "   ", "This can't be empty."),
    ],
)
def test_a_wrong_value_is_explained_and_nothing_is_saved(owner, name, value, message):
    response = save(owner, **{"clinic_phone": "+64 9 555 0199", name: value})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'data-testid="error-{name}"' in page and message in page.replace("&#39;", "'")
    assert "Nothing was saved" in page
    assert db.session.scalar(select(func.count()).select_from(ClinicSetting)) == 0
    assert setting("CLINIC_NAME") == "Harbourside Clinic"


def test_good_values_are_stored_as_the_environment_would_give_them(owner):
    assert (
        save(owner, quiet_hours="20:00 - 08:00", reminder_hours="24, 2", clinic_brand_colour="#0B6E6A").status_code
        == 302
    )
    assert setting("QUIET_HOURS") == "20:00-08:00"
    assert setting("REMINDER_HOURS") == "24,2"
    assert setting("CLINIC_BRAND_COLOUR") == "#0b6e6a"


def test_non_owners_may_neither_see_nor_save(auth, people):
    for role in ("staff", "practitioner"):
        auth.login(people[role].username)
        assert auth.client.get("/admin/settings").status_code == 403
        assert auth.post("/admin/settings", data={"clinic_name": "Taken over"}).status_code == 403
        auth.logout()
    assert setting("CLINIC_NAME") == "Harbourside Clinic"


@pytest.mark.config(SETTINGS_LOCKED="CLINIC_TIMEZONE, mail_default_sender")
def test_a_locked_setting_is_shown_read_only_and_cannot_be_changed(owner, client):
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'data-testid="locked-clinic_timezone"' in page and "Set by the server" in page
    assert 'name="clinic_timezone"' not in page and 'name="mail_default_sender"' not in page
    response = save(owner, clinic_timezone="Europe/London", clinic_name="Ōtautahi Clinic")
    assert response.status_code == 400
    assert "Set by the server: it can&#39;t be changed here." in response.get_data(as_text=True)
    assert setting("CLINIC_TIMEZONE") == "Pacific/Auckland" and setting("CLINIC_NAME") == "Harbourside Clinic"
    # A row written before the lock (or by hand) doesn't count either.
    db.session.add(ClinicSetting(key="CLINIC_TIMEZONE", value="Europe/London"))
    db.session.commit()
    settings.changed()
    assert setting("CLINIC_TIMEZONE") == "Pacific/Auckland"


def test_the_clinic_zone_follows_the_setting(owner):
    assert str(clinic_zone()) == "Pacific/Auckland"
    save(owner, clinic_timezone="Pacific/Chatham")
    assert str(clinic_zone()) == "Pacific/Chatham"


def test_another_process_change_is_seen_after_the_ttl_without_a_version_bump(app, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(settings.time, "monotonic", lambda: clock[0])
    assert setting("CLINIC_NAME") == "Harbourside Clinic"  # cached now
    db.session.add(ClinicSetting(key="CLINIC_NAME", value="Te Whare Hauora"))  # as a process whose bump was lost
    db.session.commit()

    g.pop("clinic_settings", None)  # the next request or job
    assert setting("CLINIC_NAME") == "Harbourside Clinic"
    clock[0] += settings.TTL
    g.pop("clinic_settings", None)
    assert setting("CLINIC_NAME") == "Te Whare Hauora"


def test_a_version_bump_is_seen_at_once(app):
    assert setting("CLINIC_NAME") == "Harbourside Clinic"
    db.session.add(ClinicSetting(key="CLINIC_NAME", value="Te Whare Hauora"))
    db.session.commit()

    queues.connection().set(settings.VERSION_KEY, "another-process-saved")

    g.pop("clinic_settings", None)
    assert setting("CLINIC_NAME") == "Te Whare Hauora"


@pytest.mark.config(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
def test_settings_work_through_a_redis_outage(owner, client):
    assert save(owner, clinic_name="Kōwhai Clinic").status_code == 302
    assert "Kōwhai Clinic" in client.get("/home").get_data(as_text=True)
    assert setting("CLINIC_NAME") == "Kōwhai Clinic"


def test_a_png_logo_is_shown_in_the_header_and_in_emails(owner, client):
    page = upload(owner, png(4, 2)).get_data(as_text=True)
    assert "The new logo is on every page" in page
    [logo_id] = db.session.scalars(select(ClinicSetting.value).where(ClinicSetting.key == "CLINIC_LOGO")).all()
    assert f'src="/logo/{logo_id}"' in client.get("/home").get_data(as_text=True)
    served = client.get(f"/logo/{logo_id}")
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == png(4, 2)
    assert "immutable" in served.headers["Cache-Control"]
    rendered = render_email("appointment_confirmation", sample_context("appointment_confirmation"))
    assert f'src="http://clinic.test/logo/{logo_id}"' in rendered.html
    owner.post("/admin/settings/logo", data={"remove": "1"}, form_page="/admin/settings")
    assert "/logo/" not in client.get("/home").get_data(as_text=True)


def test_a_clean_svg_logo_is_taken(owner):
    assert "The new logo is on every page" in upload(owner, CLEAN_SVG, "logo.svg").get_data(as_text=True)
    assert clinic_logo.current_url() is not None


@pytest.mark.parametrize(
    "data,message",
    [
        (b"just some text", "must be a PNG, JPEG or SVG"),
        (b"", "Choose a PNG, JPEG or SVG"),
        (png() + b"\0" * (200 * 1024), "at most 200 KB"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "This SVG can&#39;t be used"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>', "This SVG can&#39;t be used"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
            b'<image x:href="https://tracker.example.org/p.png"/></svg>',
            "This SVG can&#39;t be used",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: url(https://e.example/x)"/></svg>', "can&#39;t"),
        (b'<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>', "can&#39;t be used"),
    ],
    ids=["not-an-image", "empty", "too-big", "script", "event-handler", "external-image", "css-url", "entity"],
)
def test_a_bad_logo_is_refused(owner, data, message):
    page = upload(owner, data, "logo.svg").get_data(as_text=True)
    assert message in page
    assert clinic_logo.current_url() is None


def test_the_cron_process_follows_a_new_crontab_without_a_restart(app, owner):

    scheduler = build_scheduler(queues.connection(), app)
    [reminders] = [job for job in scheduler.get_jobs() if job.func_name.endswith("send_reminders")]
    assert reminders.cron == "5 * * * *"
    assert save(owner, reminder_cron="*/10  * * * *").status_code == 302
    scheduler.follow_settings()  # what it does before each round, at least once a minute
    assert reminders.cron == "*/10 * * * *"
    assert reminders.next_enqueue_time.minute % 10 == 0


def test_a_shorter_login_counts_from_the_next_request(owner, client):

    assert save(owner, session_hours="1").status_code == 302
    with time_machine.travel(utcnow() + timedelta(minutes=50), tick=False):
        assert client.get("/home").status_code == 200
    g.pop("_login_user", None)  # Flask-Login keeps the user in `g`, which this test's requests share
    with time_machine.travel(utcnow() + timedelta(hours=3), tick=False):  # 2h10 after the last write
        response = client.get("/home")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
