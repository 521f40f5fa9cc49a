"""Writing emails: one row per email in the caller's transaction, queued after commit."""

import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from dashboard import notify, queues
from dashboard.extensions import db
from dashboard.models import EmailMessage, EmailStatus, Notification, Patient
from dashboard.notify import delivery, in_app
from dashboard.notify.recipients import HeaderInjection
from dashboard.notify.samples import sample_context


def count(status: str | None = None) -> int:
    query = select(func.count()).select_from(EmailMessage)
    if status:
        query = query.where(EmailMessage.status == status)
    return db.session.scalar(query)


def emails_queue_ids() -> list[str]:
    return queues.get_queue("emails").job_ids


def write(kind="appointment_confirmation", to="pat@patients.example.org", **kwargs):
    return notify.email(kind, to=to, context=kwargs.pop("context", sample_context(kind)), **kwargs)


def test_an_email_is_rendered_and_stored_at_write_time(app):
    message_id = write()
    db.session.commit()
    message = db.session.get(EmailMessage, message_id)
    assert message.status == EmailStatus.QUEUED
    assert message.to_addrs == "pat@patients.example.org"
    assert message.subject.startswith("Your appointment with")
    assert app.config["CLINIC_NAME"] in message.html and "<style" not in message.html
    assert message.text.strip()
    # The confirmation carries a calendar invitation.
    [ics] = message.attachments
    assert ics.filename == "appointment.ics" and b"BEGIN:VEVENT" in ics.data


def test_nothing_is_queued_before_commit_or_after_rollback(app, smtp):
    write()
    assert emails_queue_ids() == []
    db.session.rollback()
    assert count() == 0
    assert emails_queue_ids() == []

    write()
    db.session.commit()
    assert len(emails_queue_ids()) == 1


def test_outbox_backend_keeps_emails_without_queuing(app):
    assert app.config["MAIL_BACKEND"] == "outbox"
    write()
    db.session.commit()
    assert emails_queue_ids() == []
    assert count("queued") == 1


def test_invalid_and_empty_addresses_are_dropped_and_logged(app, caplog):
    with caplog.at_level(logging.WARNING):
        message_id = write(to=["not-an-address", "", None, "ok@patients.example.org", "OK@patients.example.org"])
        assert write(to=["broken@", "  "]) is None
        assert write(to=None) is None
    db.session.commit()
    assert db.session.get(EmailMessage, message_id).to_addrs == "ok@patients.example.org"
    assert "dropped invalid email address 'not-an-address'" in caplog.text
    assert count() == 1


def test_admin_copies_are_bcc_never_repeated(app):
    app.config["ADMIN_NOTIFICATION_EMAILS"] = " boss@clinic.example.org , pat@patients.example.org,,bad-address "
    message = db.session.get(EmailMessage, write())
    assert message.bcc_addrs == "boss@clinic.example.org"  # the patient is already a recipient; junk dropped


def test_header_injection_is_refused(app):
    with pytest.raises(HeaderInjection):
        write(dedupe_key="key\r\nBcc: victim@example.org")
    # A line break inside an address makes it invalid: dropped, never a header.
    assert write(to="victim@example.org\r\nBcc: all@example.org") is None


def test_names_with_html_and_line_breaks_are_escaped(app):
    context = sample_context("appointment_confirmation")
    context["patient"] = SimpleNamespace(name="<b>Eve</b>\r\nBcc: x@y.z", first_name="<script>alert(1)</script>")
    message = db.session.get(EmailMessage, write(context=context))
    assert "<script>alert(1)</script>" not in message.html
    assert "&lt;script&gt;" in message.html
    assert "\r" not in message.subject and "\n" not in message.subject


def test_dedupe_key_makes_writing_idempotent(app):
    first = write(dedupe_key="reminder:appointment:42:24h")
    db.session.commit()
    assert first is not None
    assert write(dedupe_key="reminder:appointment:42:24h") is None
    db.session.commit()
    assert count() == 1


def test_a_not_before_time_waits_and_can_be_cancelled(app, smtp):

    from dashboard.models.base import utcnow

    message_id = write(not_before=utcnow() + timedelta(minutes=10), dedupe_key="grace:1")
    db.session.commit()
    assert delivery.deliver([message_id]).as_dict() == {"sent": 0, "retrying": 0, "failed": 0}
    assert notify.cancel(dedupe_key="grace:1") is True
    db.session.commit()
    assert db.session.get(EmailMessage, message_id).status == EmailStatus.CANCELLED
    assert notify.cancel(dedupe_key="grace:1") is False  # once cancelled (or sent), too late
    assert smtp.received == []


def test_a_sent_email_cannot_be_cancelled(app, smtp):
    message_id = write(dedupe_key="grace:2")
    db.session.commit()
    delivery.deliver([message_id])
    assert notify.cancel(message_id=message_id) is False


def test_emails_link_to_their_patient_and_appointment(app, people):
    from dashboard.services import appointments
    from tests.factories import make_slot, practitioner_of

    patient = Patient(first_name="Ana", last_name="Lee", email="ana@patients.example.org")
    db.session.add(patient)
    db.session.commit()
    slot = make_slot(practitioner_of(people["practitioner"]))
    booked = appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=people["staff"]).appointment
    message = db.session.get(EmailMessage, write(to=patient.email, patient_id=patient.id, appointment_id=booked.id))
    assert (message.patient_id, message.appointment_id) == (patient.id, booked.id)


def test_bell_with_email_respects_each_users_preference(app, people):
    staff, owner = people["staff"], people["owner"]
    in_app.set_email_preference(staff.id, "low_stock_alert", False)
    notes = notify.bell(
        [staff, owner.id],
        "low_stock_alert",
        "Low stock: gloves",
        link="/home",
        email_context=sample_context("low_stock_alert"),
        dedupe_key="low_stock:1:1",
    )
    db.session.commit()
    assert len(notes) == 2
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 2
    [email] = db.session.scalars(select(EmailMessage)).all()
    assert email.to_addrs == owner.email
    assert email.dedupe_key == f"low_stock:1:1:user:{owner.id}"


def test_preferences_page_saves_choices(client, auth, people):
    auth.login("sam")
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert 'value="low_stock_alert" checked' in page
    choices = {"email": ["new_appointment_notice"]}
    auth.post("/notifications/preferences", choices, form_page="/notifications/preferences")
    assert in_app.email_wanted({people["staff"].id}, "low_stock_alert") == set()
    assert in_app.email_wanted({people["staff"].id}, "new_appointment_notice") == {people["staff"].id}


def test_a_batch_is_written_at_once_skipping_used_keys_and_bad_addresses(app, caplog):
    write(kind="appointment_reminder", to="early@patients.example.org", dedupe_key="reminder:0")
    db.session.commit()
    starts = [sample_context("appointment_reminder")["appointment"].starts_at + timedelta(hours=i) for i in range(5)]
    batch = []
    for i, starts_at in enumerate(starts):
        context = sample_context("appointment_reminder")
        context["appointment"].starts_at = starts_at
        context["appointment"].ends_at = starts_at + timedelta(minutes=30)
        batch.append(notify.Message(to=f"p{i}@patients.example.org", context=context, dedupe_key=f"reminder:{i}"))
    batch.append(notify.Message(to="not an address", context=sample_context("appointment_reminder")))
    batch.append(batch[3])  # the same key twice in one batch goes once

    with caplog.at_level(logging.WARNING):
        ids = notify.emails("appointment_reminder", batch)
    db.session.commit()

    assert len(ids) == 4  # reminder:0 was used before
    assert "not an address" in caplog.text
    rows = db.session.scalars(select(EmailMessage).where(EmailMessage.id.in_(ids))).all()
    assert sorted(r.to_addrs for r in rows) == [f"p{i}@patients.example.org" for i in range(1, 5)]
    for row in rows:  # each row carries its own appointment's invitation
        i = int(row.dedupe_key.split(":")[1])
        [invitation] = row.attachments
        assert starts[i].strftime("DTSTART:%Y%m%dT%H%M00Z").encode() in invitation.data
    assert count() == 5


def test_a_batch_is_queued_after_commit_and_delivered(app, smtp):
    context = sample_context("new_availability")
    ids = notify.emails(
        "new_availability", [notify.Message(to=f"w{i}@patients.example.org", context=context) for i in range(3)]
    )
    assert len(ids) == 3 and emails_queue_ids() == []
    db.session.commit()
    assert len(emails_queue_ids()) == 1
    assert delivery.deliver(ids).as_dict() == {"sent": 3, "retrying": 0, "failed": 0}
    assert sorted(m.rcpt_tos[0] for m in smtp.received) == [f"w{i}@patients.example.org" for i in range(3)]


def test_a_key_taken_while_a_batch_was_written_is_skipped_and_the_rest_are_its_own(app):
    """Another writer uses one of the batch's keys after the batch checked them: that row
    stays the other writer's, and the batch returns exactly the rows it wrote."""
    from sqlalchemy import event

    taken = {}

    def other_writer(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO email_messages") and not taken:
            raw = cursor.connection  # the same connection and transaction, below SQLAlchemy's events
            raw.execute(
                "INSERT INTO email_messages (kind, to_addrs, bcc_addrs, subject, html, text, dedupe_key, status,"
                " attempts, next_attempt_at, created_at, smtp_message_id)"
                " VALUES ('invoice', 'other@example.org', '', 'theirs', '', '', 'race:3', 'queued', 0,"
                " '2026-01-01 00:00:00', '2026-01-01 00:00:00', '<theirs@example.org>')"
            )
            taken["id"] = raw.execute("SELECT id FROM email_messages WHERE dedupe_key = 'race:3'").fetchone()[0]

    event.listen(db.engine, "before_cursor_execute", other_writer)
    try:
        messages = [
            notify.Message(
                to=f"p{i}@patients.example.org", context=sample_context("low_stock_alert"), dedupe_key=f"race:{i}"
            )
            for i in range(6)
        ]
        written = notify.emails("low_stock_alert", messages)
    finally:
        event.remove(db.engine, "before_cursor_execute", other_writer)
    db.session.commit()
    assert len(written) == 5 and taken["id"] not in written
    rows = {row.id: row for row in db.session.scalars(select(EmailMessage))}
    assert sorted(rows[i].to_addrs for i in written) == [f"p{i}@patients.example.org" for i in (0, 1, 2, 4, 5)]
    assert rows[taken["id"]].to_addrs == "other@example.org"
