"""The pipeline end to end with real processes: web-side writes, RQ workers,
a real Redis and an SMTP server on loopback, and the faults between them."""

import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dashboard import notify, queues
from dashboard.extensions import db
from dashboard.models import EmailMessage, EmailStatus
from dashboard.models.base import utcnow
from dashboard.notify import delivery
from dashboard.notify.samples import sample_context
from tests.conftest import ROOT, make_app, process_env
from tests.helpers import wait_for

pytestmark = pytest.mark.slow


def write(n=1, kind="appointment_confirmation", to="pat@patients.example.org"):
    ids = [notify.email(kind, to=to, context=sample_context(kind)) for _ in range(n)]
    db.session.commit()
    return ids


def statuses() -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.execute(select(EmailMessage.status, func.count()).group_by(EmailMessage.status))
    return dict(rows.all())


def message_ids(sink) -> list[str]:
    return [r.message["Message-ID"].strip() for r in sink.received]


def test_an_email_written_in_a_request_arrives_through_a_real_worker(app, smtp, start_process, people):
    start_process()  # a long-running worker, as in production
    [message_id] = write()
    wait_for(lambda: smtp.received, timeout=30, message="the email to reach the SMTP server")
    wait_for(lambda: statuses() == {"sent": 1}, timeout=10, message="the row to be marked sent")
    assert smtp.received[0].rcpt_tos == ["pat@patients.example.org"]


def test_redis_down_while_writing_then_delivered_once_it_returns(app, smtp, backend, start_process):
    offline = make_app(backend, REDIS_URL="redis://127.0.0.1:1/0", MAIL_BACKEND="smtp")
    with offline.app_context():
        [message_id] = write()  # the request's commit succeeds; enqueueing fails quietly
        db.session.remove()
        db.engine.dispose()
    assert statuses() == {"queued": 1}
    assert queues.get_queue("emails").job_ids == []

    start_process("--cron")  # the sweeper runs on the cron every minute (and at start)
    start_process()
    wait_for(lambda: smtp.received, timeout=30, message="the sweeper and worker to deliver the waiting email")
    wait_for(lambda: statuses() == {"sent": 1}, timeout=10, message="the row to be marked sent")


def test_smtp_down_then_recovers_delivers_each_email_once(app, smtp, start_process):
    smtp.stop()
    ids = write(5)
    start_process()
    wait_for(
        lambda: all(m.attempts >= 1 for m in db.session.scalars(select(EmailMessage))) and statuses() == {"queued": 5},
        timeout=30,
        message="first attempts to fail and be rescheduled",
    )
    smtp.start()
    wait_for(lambda: statuses() == {"sent": 5}, timeout=30, message="retries to deliver all five")
    assert len(smtp.received) == 5
    assert len(set(message_ids(smtp))) == 5
    assert ids


def test_a_worker_killed_mid_batch_loses_nothing(app, smtp, backend):
    smtp.handler.delay = 0.1  # slow enough to kill the worker in the middle of the batch
    total = 30
    write(total)
    worker = subprocess.Popen(
        [sys.executable, "worker.py"],
        cwd=ROOT,
        env=process_env(app, backend),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the work horse dies with it
    )
    try:
        wait_for(lambda: len(smtp.received) >= 5, timeout=30, message="the batch to be under way")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    smtp.handler.delay = 0
    sent_before_kill = statuses().get("sent", 0)
    assert 0 < sent_before_kill < total

    # Once OUTBOX_SENDING_TIMEOUT has passed (travelled to, not waited for), the sweeper
    # returns the stuck row to the queue and a new worker finishes the job.
    later = utcnow() + timedelta(seconds=app.config["OUTBOX_SENDING_TIMEOUT"] + 1)
    assert delivery.release_stuck(now=later) == total - sent_before_kill  # the rest of the claimed batch
    assert delivery.sweep()["enqueued"] > 0
    worker = subprocess.Popen([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=process_env(app, backend))
    assert worker.wait(timeout=60) == 0
    assert statuses() == {"sent": total}
    ids = message_ids(smtp)
    assert len(set(ids)) == total  # every email arrived
    assert len(ids) - total <= 1  # at most the one in flight arrived twice


def test_two_workers_on_one_queue_never_send_twice(app, smtp, start_process):
    app.config["OUTBOX_BATCH_SIZE"] = 10
    ids = write(100)
    # Every id is enqueued twice (as after a sweep racing the fast path).
    delivery.enqueue([(i, db.session.get(EmailMessage, i).next_attempt_at) for i in ids])
    start_process()
    start_process()
    wait_for(lambda: statuses() == {EmailStatus.SENT.value: 100}, timeout=60, message="all 100 to be sent")
    assert len(smtp.received) == 100
    assert len(set(message_ids(smtp))) == 100
