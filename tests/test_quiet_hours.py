"""Quiet hours: optional emails written (or due to be sent) inside them wait for the window's
end, in clinic time across a clock change; the rest go at once; an offer's hold does not run
out while they last."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import select

from dashboard import notify
from dashboard.clinic_time import clinic_today, local_to_utc
from dashboard.database import unit_of_work
from dashboard.extensions import db
from dashboard.models import EmailMessage, EmailStatus, Offer, OfferStatus
from dashboard.notify import delivery, quiet
from dashboard.notify.samples import sample_context
from dashboard.services import offers, waitlist
from tests.factories import make_patient, make_slot, practitioner_of

EVENINGS = (time(20, 0), time(8, 0))


def test_parse_reads_the_setting_as_people_write_it():
    assert quiet.parse("20:00-08:00") == EVENINGS
    assert quiet.parse(" 7:30 - 21:15 ") == (time(7, 30), time(21, 15))
    assert quiet.parse("") is None
    assert quiet.parse(None) is None
    assert quiet.parse("08:00-08:00") is None  # no length: no quiet hours
    for wrong in ["8pm-8am", "25:00-08:00", "20:00", "20:61-08:00"]:
        with pytest.raises(ValueError, match="20:00-08:00"):
            quiet.parse(wrong)


def test_a_setting_that_cant_be_read_is_taken_as_none(app, caplog):
    app.config["QUIET_HOURS"] = "8pm to 8am"
    try:
        assert quiet.window() is None
    finally:
        app.config["QUIET_HOURS"] = ""
    assert "QUIET_HOURS ignored" in caplog.text


def test_a_window_that_wraps_midnight(app):
    # Wednesday 4 March 2026 in Auckland (NZDT, +13).
    evening = local_to_utc(date(2026, 3, 4), time(21, 0))
    morning_after = local_to_utc(date(2026, 3, 5), time(8, 0))
    assert quiet.quiet_until(evening, EVENINGS) == morning_after
    assert quiet.quiet_until(local_to_utc(date(2026, 3, 5), time(3, 0)), EVENINGS) == morning_after
    assert quiet.quiet_until(local_to_utc(date(2026, 3, 5), time(8, 0)), EVENINGS) is None  # the end is awake
    assert quiet.quiet_until(local_to_utc(date(2026, 3, 5), time(19, 59)), EVENINGS) is None
    assert quiet.quiet_until(evening, None) is None  # (the setting, empty in tests)
    day_window = (time(12, 0), time(13, 30))
    assert quiet.quiet_until(local_to_utc(date(2026, 3, 5), time(12, 15)), day_window) == local_to_utc(
        date(2026, 3, 5), time(13, 30)
    )


def test_a_window_across_the_clocks_going_forward_ends_at_eight_on_the_wall(app):
    # NZ daylight time starts at 2 am on Sunday 27 September 2026: that night is an hour shorter.
    start = local_to_utc(date(2026, 9, 26), time(20, 0))  # NZST, +12: 08:00 UTC
    end = quiet.quiet_until(start + timedelta(hours=5), EVENINGS)
    assert end == datetime(2026, 9, 26, 19, 0, tzinfo=UTC)  # 08:00 NZDT (+13)
    assert end - start == timedelta(hours=11)
    assert quiet.overlap(start - timedelta(hours=1), end + timedelta(hours=1), EVENINGS) == timedelta(hours=11)
    # ... and back on Sunday 5 April 2026 (3 am becomes 2 am): an hour longer.
    start = local_to_utc(date(2026, 4, 4), time(20, 0))
    assert quiet.quiet_until(start, EVENINGS) - start == timedelta(hours=13)
    # A boundary inside the skipped hour (2:30 am on 27 September) is the first instant after it.
    assert quiet.quiet_until(local_to_utc(date(2026, 9, 27), time(1, 0)), (time(0, 0), time(2, 30))) == datetime(
        2026, 9, 26, 14, 30, tzinfo=UTC
    )


def test_a_hold_does_not_run_out_during_quiet_hours(app):
    seven_pm = local_to_utc(date(2026, 3, 4), time(19, 0))
    two_hours = timedelta(hours=2)
    # One hour before the window, the other after it opens again at 8 am.
    assert quiet.awake_after(seven_pm, two_hours, EVENINGS) == local_to_utc(date(2026, 3, 5), time(9, 0))
    assert quiet.awake_after(seven_pm, two_hours, None) == seven_pm + two_hours
    # Made inside the window: the whole hold is after it.
    assert quiet.awake_after(seven_pm + 2 * two_hours, two_hours, EVENINGS) == local_to_utc(
        date(2026, 3, 5), time(10, 0)
    )
    # A hold long enough to reach the next night skips that one too.
    assert quiet.awake_after(seven_pm, timedelta(hours=14), EVENINGS) == local_to_utc(date(2026, 3, 6), time(9, 0))


@pytest.fixture
def quiet_evenings(app):
    app.config["QUIET_HOURS"] = "20:00-08:00"
    yield
    app.config["QUIET_HOURS"] = ""


def _write(kind: str, key: str) -> EmailMessage:
    with unit_of_work():
        message_id = notify.email(kind, to="aroha.ngatiwai@patients.example.org", context=sample_context(kind),
                                  dedupe_key=key)  # fmt: skip
    return db.session.get(EmailMessage, message_id)


def test_optional_emails_written_in_quiet_hours_wait_and_the_others_do_not(app, quiet_evenings):
    nine_pm = local_to_utc(date(2026, 3, 4), time(21, 0))
    morning = local_to_utc(date(2026, 3, 5), time(8, 0))
    with time_machine.travel(nine_pm, tick=False):
        for kind in ["appointment_reminder", "payment_reminder", "new_availability"]:
            assert _write(kind, f"quiet:{kind}").next_attempt_at == morning, kind
        for kind in ["appointment_confirmation", "appointment_cancelled", "payment_confirmation", "invoice"]:
            assert _write(kind, f"quiet:{kind}").next_attempt_at == nine_pm, kind
    with time_machine.travel(morning + timedelta(hours=1), tick=False):
        assert _write("appointment_reminder", "awake:reminder").next_attempt_at == morning + timedelta(hours=1)


def test_the_delivery_job_never_sends_an_optional_email_in_quiet_hours(app, quiet_evenings):
    seven_pm = local_to_utc(date(2026, 3, 4), time(19, 0))
    with time_machine.travel(seven_pm, tick=False):  # written before the window: due at once
        reminder = _write("appointment_reminder", "before:reminder")
        confirmation = _write("appointment_confirmation", "before:confirmation")
    with time_machine.travel(seven_pm + timedelta(hours=2), tick=False):  # a retry inside the window
        assert delivery.hold_quiet([reminder.id, confirmation.id]) == [confirmation.id]
    db.session.expire_all()
    held = db.session.get(EmailMessage, reminder.id)
    assert held.status == EmailStatus.QUEUED
    assert held.next_attempt_at == local_to_utc(date(2026, 3, 5), time(8, 0))
    with time_machine.travel(local_to_utc(date(2026, 3, 5), time(8, 0)), tick=False):
        assert delivery.hold_quiet([reminder.id]) == [reminder.id]
    assert db.session.scalars(select(EmailMessage.kind).where(EmailMessage.next_attempt_at > seven_pm)).all() == [
        "appointment_reminder"
    ]


@pytest.mark.config(OFFER_MODE="one_at_a_time", OFFER_HOLD_MINUTES=120, QUIET_HOURS="20:00-08:00")
def test_an_offers_hold_does_not_run_out_during_quiet_hours(app, people):
    practitioner = practitioner_of(people["practitioner"])
    ana, ben = make_patient("Ana", "Ngātiwai"), make_patient("Ben", "O'Brien")
    for patient in (ana, ben):
        waitlist.add(practitioner.id, patient.id, by_user=people["staff"], urgent=patient is ben)
    day = clinic_today() + timedelta(days=10)
    seven_pm = local_to_utc(day, time(19, 0))
    nine_am = local_to_utc(day + timedelta(days=1), time(9, 0))
    with time_machine.travel(seven_pm, tick=False):
        slot = make_slot(practitioner, starts_in=timedelta(days=3))
        offers.fan_out(practitioner.id, [slot.id])
    held = db.session.scalar(select(Offer).where(Offer.patient_id == ben.id))
    assert held.status == OfferStatus.HELD
    assert held.expires_at == nine_am  # one hour before the window, one after it
    (told,) = _emails("new_availability")
    assert told.next_attempt_at == seven_pm  # written before the window: it goes at once
    with time_machine.travel(nine_am - timedelta(minutes=1), tick=False):
        offers.advance()
    assert _status(ben) == OfferStatus.HELD
    with time_machine.travel(nine_am + timedelta(minutes=1), tick=False):
        offers.advance()
    assert (_status(ben), _status(ana)) == (OfferStatus.EXPIRED, OfferStatus.HELD)


def _status(patient) -> str:
    db.session.expire_all()
    return db.session.scalar(select(Offer.status).where(Offer.patient_id == patient.id))


def _emails(kind: str) -> list[EmailMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(EmailMessage).where(EmailMessage.kind == kind)))
