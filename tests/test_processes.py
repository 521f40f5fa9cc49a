"""Redis, the RQ worker and the cron process, as real processes."""

import logging
import uuid

import pytest
from rq.job import Job, JobStatus

from dashboard import queues, redis_server
from dashboard.extensions import db
from dashboard.jobs.system import CRON_HEARTBEAT_KEY
from tests.conftest import make_app, output
from tests.helpers import wait_for


def test_embedded_redis_starts_once_and_stops(tmp_path):
    instance = str(tmp_path)
    url = redis_server.ensure_running(instance)
    assert url == f"unix://{tmp_path / 'redis.sock'}"
    assert redis_server.is_running(instance)
    pid = (tmp_path / "redis.pid").read_text()
    # A second process asking for it gets the same server, not a new one.
    assert redis_server.ensure_running(instance) == url
    assert (tmp_path / "redis.pid").read_text() == pid
    redis_server.stop(instance)
    assert not redis_server.is_running(instance)


def test_a_job_round_trips_through_a_real_worker(app, people, start_process):
    token = uuid.uuid4().hex
    job = queues.get_queue("default").enqueue("dashboard.jobs.system.ping", token)
    worker = start_process("--burst")
    assert worker.wait(timeout=60) == 0, output(worker)

    fetched = Job.fetch(job.id, connection=queues.connection())
    assert fetched.get_status() == JobStatus.FINISHED
    # The worker ran the job inside the app, against this test's database.
    assert fetched.return_value() == {"token": token, "users": 3}


def test_jobs_on_the_emails_queue_are_worked_too(app, start_process):
    job = queues.enqueue("dashboard.jobs.system.ping", "mail", queue="emails")
    assert job is not None
    worker = start_process("--burst")
    assert worker.wait(timeout=60) == 0
    assert Job.fetch(job.id, connection=queues.connection()).return_value()["token"] == "mail"


def test_the_cron_process_enqueues_its_schedule(app, start_process):
    conn = queues.connection()
    start_process("--cron")
    worker = start_process()
    beat = wait_for(lambda: conn.get(CRON_HEARTBEAT_KEY), timeout=30, message="the cron heartbeat job to run")
    assert beat.decode().startswith("20")
    assert worker.poll() is None  # the long-running worker is still up


@pytest.fixture
def app_without_redis(backend, _schema):
    # Port 1 on loopback: nothing listens there, connections are refused at once.
    app = make_app(backend, REDIS_URL="redis://127.0.0.1:1/0")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_enqueue_survives_a_redis_outage(app_without_redis, caplog):
    with caplog.at_level(logging.WARNING, logger="dashboard.queues"):
        assert queues.enqueue("dashboard.jobs.system.ping", "x") is None
    assert "Redis unavailable" in caplog.text


def test_healthz_reports_both_backends(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"database": "ok", "redis": "ok", "status": "ok"}


def test_healthz_reports_redis_down(app_without_redis):
    response = app_without_redis.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["redis"] == "unreachable"
    assert response.json["database"] == "ok"


def test_login_still_works_when_redis_is_down(app_without_redis, people):
    """The throttle's storage is down; staff can still log in (limits fail open)."""
    from tests.conftest import AuthActions

    client = app_without_redis.test_client()
    response = AuthActions(client).login("sam")
    assert response.status_code == 302
