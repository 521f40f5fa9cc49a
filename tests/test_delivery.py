"""Delivering the outbox to a real SMTP server on loopback, fault by fault."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from dashboard import notify
from dashboard.extensions import db
from dashboard.models import EmailMessage, EmailStatus, Notification
from dashboard.models.base import utcnow
from dashboard.notify import delivery, recording
from dashboard.notify.samples import sample_context
from tests.smtp_sink import SilentServer, free_port


def write(n=1, kind="appointment_confirmation", to="pat@patients.example.org"):
    ids = [notify.email(kind, to=to, context=sample_context(kind)) for _ in range(n)]
    db.session.commit()
    return ids


def row(message_id) -> EmailMessage:
    db.session.expire_all()
    return db.session.get(EmailMessage, message_id)


def make_due(*ids):
    db.session.execute(update(EmailMessage).where(EmailMessage.id.in_(ids)).values(next_attempt_at=utcnow()))
    db.session.commit()


def test_a_batch_goes_out_over_one_connection(app, smtp, monkeypatch):
    opened = []
    real_open = delivery.open_smtp
    monkeypatch.setattr(delivery, "open_smtp", lambda: opened.append(1) or real_open())
    ids = write(5)
    assert delivery.deliver(ids).as_dict() == {"sent": 5, "retrying": 0, "failed": 0}
    assert len(opened) == 1
    assert len(smtp.received) == 5
    message = row(ids[0])
    assert message.status == EmailStatus.SENT and message.sent_at and message.attempts == 1
    assert message.smtp_message_id.endswith(".outbox@clinic.example.org>")  # chosen when written
    assert message.transport == "smtp"


def test_what_arrives_is_what_the_outbox_shows(app, smtp):
    app.config["ADMIN_NOTIFICATION_EMAILS"] = "boss@clinic.example.org"
    [message_id] = write()
    delivery.deliver([message_id])
    [received] = smtp.received
    mime = received.message
    message = row(message_id)
    assert mime["Subject"] == message.subject
    assert mime["Message-ID"].strip() == message.smtp_message_id
    assert mime["To"] == "pat@patients.example.org"
    assert mime["Bcc"] is None  # the admin copy travels only in the envelope
    assert sorted(received.rcpt_tos) == ["boss@clinic.example.org", "pat@patients.example.org"]
    assert received.mail_from == "clinic@clinic.example.org"
    parts = {part.get_content_type(): part for part in mime.walk()}
    assert parts["text/plain"].get_content().replace("\r\n", "\n").strip() == message.text.strip()
    assert "text/html" in parts
    assert parts["text/calendar"].get_filename() == "appointment.ics"
    assert parts["text/calendar"].get_param("method") == "REQUEST"


def test_a_4xx_is_retried_with_backoff_and_delivered_once_the_server_recovers(app, smtp):
    app.config.update(OUTBOX_RETRY_BASE=10, OUTBOX_RETRY_CAP=3600)
    smtp.handler.mode = "tempfail"
    [message_id] = write()
    before = utcnow()
    assert delivery.deliver([message_id]).as_dict()["retrying"] == 1
    after = utcnow()
    message = row(message_id)
    assert message.status == EmailStatus.QUEUED and message.attempts == 1
    assert message.last_error.startswith("451")
    # Base 10 s, jittered over its upper half.
    assert before + timedelta(seconds=5) <= message.next_attempt_at <= after + timedelta(seconds=10)
    assert delivery.deliver([message_id]).as_dict()["sent"] == 0  # not due yet: left alone

    smtp.handler.mode = "accept"
    make_due(message_id)
    assert delivery.deliver([message_id]).as_dict()["sent"] == 1
    assert len(smtp.received) == 1
    assert row(message_id).attempts == 2


def test_backoff_grows_exponentially_and_is_capped(app):
    app.config.update(OUTBOX_RETRY_BASE=30, OUTBOX_RETRY_CAP=3600)
    for attempts, ceiling in [(1, 30), (2, 60), (3, 120), (8, 3600), (20, 3600)]:
        waits = [recording.backoff(attempts) for _ in range(50)]
        assert all(ceiling / 2 <= w <= ceiling for w in waits)
        assert len(set(waits)) > 1  # jittered


def test_a_5xx_fails_at_once_tells_the_owners_and_is_not_retried(app, smtp, people):
    smtp.handler.mode = "permfail"
    [message_id] = write()
    assert delivery.deliver([message_id]).as_dict()["failed"] == 1
    message = row(message_id)
    assert message.status == EmailStatus.FAILED and message.attempts == 1
    assert message.last_error.startswith("550")
    [note] = db.session.scalars(select(Notification).where(Notification.kind == "delivery_failed")).all()
    assert note.user_id == people["owner"].id
    assert note.link == f"/admin/outbox/{message_id}"
    make_due(message_id)
    assert delivery.deliver([message_id]).as_dict()["sent"] == 0  # failed rows are never picked up again


def test_the_last_attempt_marks_the_email_failed(app, smtp, people):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    smtp.handler.mode = "tempfail"
    [message_id] = write()
    for _ in range(3):
        make_due(message_id)
        delivery.deliver([message_id])
    message = row(message_id)
    assert message.status == EmailStatus.FAILED
    assert message.last_error.startswith("gave up after 3 attempts: 451")


def test_an_unreachable_server_means_retry_not_loss(app, smtp):
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    ids = write(3)
    assert delivery.deliver(ids).as_dict() == {"sent": 0, "retrying": 3, "failed": 0}
    assert all(row(i).last_error.startswith("ConnectionRefusedError") for i in ids)

    app.config["MAIL_PORT"] = smtp.port
    make_due(*ids)
    assert delivery.deliver(ids).as_dict()["sent"] == 3


def test_a_server_that_never_replies_times_out_and_is_retried(app, smtp):
    silent = SilentServer().start()
    try:
        app.config.update(MAIL_PORT=silent.port, MAIL_TIMEOUT=1)
        [message_id] = write()
        assert delivery.deliver([message_id]).as_dict()["retrying"] == 1
        assert "timed out" in row(message_id).last_error
    finally:
        silent.stop()
    app.config["MAIL_PORT"] = smtp.port
    make_due(message_id)
    assert delivery.deliver([message_id]).as_dict()["sent"] == 1


def test_rows_stuck_in_sending_return_to_the_queue(app, smtp):
    [message_id] = write()
    assert delivery.claim([message_id]) == [message_id]
    assert delivery.claim([message_id]) == []  # claimed once, only once
    assert delivery.release_stuck() == 0  # not stuck yet
    assert delivery.release_stuck(now=utcnow() + timedelta(seconds=app.config["OUTBOX_SENDING_TIMEOUT"] + 1)) == 1
    assert row(message_id).status == EmailStatus.QUEUED
    assert delivery.deliver([message_id]).as_dict()["sent"] == 1


def test_console_backend_prints_and_marks_sent(app, caplog):
    import logging

    app.config["MAIL_BACKEND"] = "console"
    [message_id] = write()
    with caplog.at_level(logging.INFO, logger="dashboard.notify.delivery"):
        assert delivery.deliver([message_id]).as_dict()["sent"] == 1
    assert row(message_id).subject in caplog.text
    assert row(message_id).transport == "console"


def test_sweep_requeues_due_rows_for_the_workers(app, smtp):
    from dashboard import queues

    write(3)
    queues.get_queue("emails").empty()
    assert delivery.sweep() == {"released": 0, "enqueued": 3}
    assert len(queues.get_queue("emails").job_ids) == 1


@pytest.mark.parametrize("here", [False, True])
def test_flask_outbox_flush(app, smtp, runner, here):
    write(2)
    result = runner.invoke(args=["outbox", "flush"] + (["--here"] if here else []))
    assert result.exit_code == 0, result.output
    if here:
        assert "Sent 2, retrying 0, failed 0." in result.output
        assert len(smtp.received) == 2
    else:
        assert "queued 2 due emails" in result.output


def test_two_claims_racing_never_share_a_row(app, smtp):
    ids = write(50)
    first = delivery.claim(ids[:30])
    second = delivery.claim(ids[20:])
    assert set(first).isdisjoint(second)
    assert len(first) + len(second) == 50


def test_a_slow_batch_hands_back_what_it_could_not_send_in_time(app, smtp):
    app.config["OUTBOX_SENDING_TIMEOUT"] = 0.6  # half of it is the batch's budget
    smtp.handler.delay = 0.2
    ids = write(6)
    outcome = delivery.deliver(ids).as_dict()
    assert 1 <= outcome["sent"] < 6
    queued = [row(i) for i in ids if row(i).status == EmailStatus.QUEUED]
    assert len(queued) == 6 - outcome["sent"]
    assert all(m.attempts == 0 and m.claimed_at is None for m in queued)
