"""Links in emails follow the port `make run` serves on (HOST, PORT) when BASE_URL is unset.

Every process reads its settings when it starts, so the check is a process
started as the dev stack starts its worker: PORT set, BASE_URL not.
"""

import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from config import served_url
from dashboard import queues
from dashboard.extensions import db
from dashboard.models import EmailMessage
from dashboard.models.base import utcnow
from dashboard.services import appointments
from tests.conftest import ROOT, process_env
from tests.factories import make_patient, make_slot, practitioner_of


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", "5000", "http://127.0.0.1:5000"),
        ("0.0.0.0", "8000", "http://127.0.0.1:8000"),  # every interface: reached on loopback
        ("::", "8000", "http://[::1]:8000"),
        ("::1", "8001", "http://[::1]:8001"),
        ("clinic.local", "8080", "http://clinic.local:8080"),
    ],
)
def test_the_served_address_is_one_a_browser_here_can_open(host, port, url):
    assert served_url(host, port) == url


def base_url_of_a_process(app, backend, **environment) -> str:
    """BASE_URL as a freshly started process (worker, cron or web) reads it."""
    env = process_env(app, backend) | {"HOST": "", "PORT": "", "BASE_URL": ""} | environment
    code = "from dashboard import create_app; print(create_app().config['BASE_URL'])"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_base_url_follows_host_and_port_unless_set(app, backend):
    assert base_url_of_a_process(app, backend) == "http://127.0.0.1:5000"
    assert base_url_of_a_process(app, backend, PORT="8000") == "http://127.0.0.1:8000"
    assert base_url_of_a_process(app, backend, HOST="0.0.0.0", PORT="8000") == "http://127.0.0.1:8000"
    assert base_url_of_a_process(app, backend, PORT="8000", BASE_URL="https://clinic.example.org") == (
        "https://clinic.example.org"
    )


@pytest.mark.slow
def test_a_worker_started_on_another_port_writes_links_to_that_port(app, backend, people):
    practitioner = practitioner_of(people["practitioner"])
    patient = make_patient("Mere", "Pōmare", email="mere@patients.example.org")
    slot = make_slot(practitioner, starts_in=timedelta(hours=20))
    booked = appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=people["staff"]).appointment
    booked.scheduled_at = utcnow() - timedelta(days=5)  # booked in time for a 24-hour reminder
    db.session.commit()
    assert queues.enqueue("dashboard.jobs.appointments.send_reminders")

    env = process_env(app, backend) | {"HOST": "", "PORT": "8123", "BASE_URL": ""}
    worker = subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, timeout=60)
    assert worker.returncode == 0

    db.session.expire_all()
    reminder = db.session.scalars(select(EmailMessage).where(EmailMessage.kind == "appointment_reminder")).one()
    assert 'href="http://127.0.0.1:8123/p/' in reminder.html
    assert "http://127.0.0.1:8123/p/" in reminder.text
    assert ":5000" not in reminder.html + reminder.text
