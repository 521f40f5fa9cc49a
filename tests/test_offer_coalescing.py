"""Many slots opening at once reach each waiting patient as one email: the coalescing window,
on the real database and Redis (RQ's scheduled registry read back, the job's function run)."""

import re
from datetime import timedelta

import pytest
import redis
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select, update

from dashboard import queues
from dashboard.extensions import db
from dashboard.jobs import offers as offer_jobs
from dashboard.models import EmailMessage, Notification, Offer, OfferStatus, Slot
from dashboard.models.base import utcnow
from dashboard.services import appointments, offers, waitlist
from tests.factories import make_patient, make_slot, practitioner_of

BOOK_LINK = re.compile(r"http://clinic\.test/p/book/[\w.-]+/(\d+)")
WINDOW = 60


def availability_emails() -> list[EmailMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(EmailMessage).where(EmailMessage.kind == "new_availability").order_by(EmailMessage.id)
        )
    )


def emails_by_patient() -> dict[str, list[EmailMessage]]:
    found: dict[str, list[EmailMessage]] = {}
    for email in availability_emails():
        found.setdefault(email.to_addrs, []).append(email)
    return found


def linked_slots(email: EmailMessage) -> list[int]:
    return [int(i) for i in BOOK_LINK.findall(email.text)]


def scheduled() -> list[tuple[Job, object]]:
    """The jobs waiting in RQ's scheduled registry, with when each is due."""
    registry = ScheduledJobRegistry(queue=queues.get_queue("default"))
    return [
        (Job.fetch(job_id, connection=queues.connection()), registry.get_scheduled_time(job_id))
        for job_id in registry.get_job_ids()
    ]


def run_window_end() -> dict:
    """What the worker does when the window's job falls due: the job's function, with its arguments."""
    [(job, _)] = scheduled()
    ScheduledJobRegistry(queue=queues.get_queue("default")).remove(job)
    return offer_jobs.fan_out(*job.args)


@pytest.fixture
def clinic(app, people):
    """drwho's waiting list (Siobhán urgent), and thirteen of Mere's appointments with him, two days out."""
    practitioner = practitioner_of(people["practitioner"])
    waiting = [
        make_patient("Aroha", "Ngātiwai"),
        make_patient("Siobhán", "O'Brien"),
        make_patient("Zoë", "Müller"),
    ]
    for patient in waiting:
        waitlist.add(practitioner.id, patient.id, by_user=people["staff"], urgent=patient.first_name == "Siobhán")
    mere = make_patient("Mere", "Pōmare")
    booked = [
        appointments.book(
            patient_id=mere.id,
            slot_id=make_slot(practitioner, starts_in=timedelta(days=2, hours=h)).id,
            by_user=people["staff"],
        ).appointment
        for h in range(13)
    ]
    if queues.redis_ok():
        queues.get_queue("default").empty()
    return {"practitioner": practitioner, "waiting": waiting, "booked": booked, "staff": people["staff"]}


def cancel_all(clinic, booked=None) -> None:
    """Each in its own request and transaction, one after another, as the desk would."""
    for appointment in booked or clinic["booked"]:
        appointments.cancel(appointment.id, by_user=clinic["staff"], reason="Dr Who is at a conference 🌿")


def slots_by_time(booked) -> list[int]:
    return [a.slot_id for a in sorted(booked, key=lambda a: a.starts_at)]


# ------------------------------------------------------------------ one window, one email


@pytest.mark.config(OFFER_COALESCE_SECONDS=WINDOW)
def test_thirteen_cancellations_in_a_window_reach_each_patient_once(clinic):
    practitioner = clinic["practitioner"]
    started = utcnow()
    cancel_all(clinic)

    # One fan-out, due at the end of the window the first cancellation opened; nothing sent yet.
    [(job, due)] = scheduled()
    assert job.func_name == offers.FAN_OUT_JOB and job.args == (practitioner.id,)
    # (RQ keeps whole seconds)
    assert started + timedelta(seconds=WINDOW - 1) <= due <= utcnow() + timedelta(seconds=WINDOW)
    assert queues.get_queue("default").count == 0
    assert availability_emails() == []

    result = run_window_end()
    assert result == {"slots": 13, "patients": 3, "mode": "everyone"}
    sent = emails_by_patient()
    assert set(sent) == {p.email for p in clinic["waiting"]}
    first_five = slots_by_time(clinic["booked"])[:5]
    for emails in sent.values():
        [email] = emails
        assert linked_slots(email) == first_five
        assert "See all open times" in email.text
    # The five shown are offered to each of them; the rest wait on "see all open times".
    offered = db.session.scalars(select(Offer.slot_id).where(Offer.status == OfferStatus.OFFERED)).all()
    assert sorted(set(offered)) == sorted(first_five) and len(offered) == 5 * 3
    assert all(s.offered_at is not None for s in db.session.scalars(select(Slot)))
    # One bell entry summing it up for each of the desk and drwho.
    bells = db.session.scalars(select(Notification).where(Notification.kind == "offers_sent")).all()
    assert len(bells) == len({b.user_id for b in bells}) >= 2
    assert all("13 new times" in b.title and "to 3 patients" in b.title and "first 5" in b.title for b in bells)


@pytest.mark.config(OFFER_COALESCE_SECONDS=WINDOW)
def test_the_window_job_run_again_sends_nothing_new(clinic):
    cancel_all(clinic)
    run_window_end()
    assert offers.fan_out(clinic["practitioner"].id) == {"slots": 0, "patients": 0}
    # Even a job that died before marking its slots offered repeats its emails' keys.
    db.session.execute(update(Slot).values(offered_at=None))
    db.session.commit()
    offers.fan_out(clinic["practitioner"].id)
    assert len(availability_emails()) == 3


@pytest.mark.config(OFFER_COALESCE_SECONDS=WINDOW)
def test_a_second_window_gets_its_own_email(clinic, people):
    cancel_all(clinic, clinic["booked"][:10])
    run_window_end()
    # The first window is over: the next cancellations open another, with its own job and email.
    cancel_all(clinic, clinic["booked"][10:])
    [(job, _)] = scheduled()
    assert job.args == (clinic["practitioner"].id,)
    assert run_window_end()["slots"] == 3
    second = [a.slot_id for a in clinic["booked"][10:]]
    for emails in emails_by_patient().values():
        assert len(emails) == 2
        assert linked_slots(emails[1])[:3] == second  # the new times first, then other open ones


@pytest.mark.config(OFFER_COALESCE_SECONDS=WINDOW)
def test_a_slot_freed_again_after_its_window_is_offered_anew(clinic, people):
    first = clinic["booked"][0]
    cancel_all(clinic, [first])
    run_window_end()
    again = appointments.book(patient_id=make_patient("Ana").id, slot_id=first.slot_id, by_user=people["staff"])
    cancel_all(clinic, [again.appointment])
    run_window_end()
    for emails in emails_by_patient().values():
        assert [linked_slots(e)[0] for e in emails] == [first.slot_id, first.slot_id]


@pytest.mark.config(OFFER_COALESCE_SECONDS=WINDOW, OFFER_MODE="one_at_a_time", OFFER_HOLD_MINUTES=120)
def test_one_at_a_time_the_first_in_line_hears_of_their_holds_once(clinic):
    cancel_all(clinic, clinic["booked"][:3])
    result = run_window_end()
    assert result["mode"] == "one_at_a_time" and result["slots"] == 3
    siobhan = clinic["waiting"][1]  # urgent: first in every line
    [email] = availability_emails()
    assert email.to_addrs == siobhan.email
    assert "holding these times for you alone" in email.text
    assert linked_slots(email) == [a.slot_id for a in clinic["booked"][:3]]
    held = db.session.scalars(select(Offer).where(Offer.status == OfferStatus.HELD)).all()
    assert {o.patient_id for o in held} == {siobhan.id} and len(held) == 3


@pytest.mark.config(OFFER_COALESCE_SECONDS=WINDOW, OFFER_MODE="one_at_a_time")
def test_one_at_a_time_more_holds_than_an_email_shows_go_in_a_second(clinic):
    cancel_all(clinic, clinic["booked"][:7])
    run_window_end()
    emails = availability_emails()
    assert [len(linked_slots(e)) for e in emails] == [5, 2]
    assert {e.to_addrs for e in emails} == {clinic["waiting"][1].email}


# ------------------------------------------------------------------ nothing owed is forgotten


@pytest.mark.config(OFFER_COALESCE_SECONDS=WINDOW, REDIS_URL="redis://127.0.0.1:1/0")
def test_redis_down_at_commit_the_cron_sends_them_once_the_window_has_passed(clinic, backend):
    cancel_all(clinic)  # every commit succeeds; nothing could be scheduled
    assert ScheduledJobRegistry("default", connection=redis.Redis.from_url(backend["redis_url"])).count == 0
    assert all(s.offered_at is None for s in db.session.scalars(select(Slot)))

    last = utcnow()
    within = offers.advance(now=last + timedelta(seconds=WINDOW) + offers.CATCH_UP_MARGIN - timedelta(seconds=5))
    assert within["late_fan_outs"] == 0 and availability_emails() == []
    later = last + timedelta(seconds=WINDOW + 1) + offers.CATCH_UP_MARGIN
    assert offers.advance(now=later)["late_fan_outs"] == 1
    for emails in emails_by_patient().values():
        [email] = emails
        assert linked_slots(email) == slots_by_time(clinic["booked"])[:5]
    assert len(emails_by_patient()) == 3
    assert offers.advance(now=later + timedelta(minutes=1))["late_fan_outs"] == 0


@pytest.mark.config(OFFER_COALESCE_SECONDS=WINDOW)
def test_the_cron_leaves_an_open_window_to_its_job_and_late_slots_ride_along(clinic):
    practitioner = clinic["practitioner"]
    # A slot whose offers were owed long ago (added while Redis was down, say).
    late = make_slot(practitioner, starts_in=timedelta(days=5))
    db.session.execute(update(Slot).where(Slot.id == late.id).values(opened_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    cancel_all(clinic, clinic["booked"][:2])  # opens a window now

    assert offers.advance()["late_fan_outs"] == 0  # not the late slot alone, ahead of the window
    assert availability_emails() == []
    assert run_window_end()["slots"] == 3
    for emails in emails_by_patient().values():
        [email] = emails
        assert set(linked_slots(email)) == {late.id, *(a.slot_id for a in clinic["booked"][:2])}


@pytest.mark.config(OFFER_COALESCE_SECONDS=WINDOW)
def test_a_window_whose_job_never_ran_is_sent_by_the_cron(clinic):
    cancel_all(clinic, clinic["booked"][:2])
    [(job, _)] = scheduled()
    ScheduledJobRegistry(queue=queues.get_queue("default")).remove(job)  # lost with its worker, say
    queues.connection().delete(offers.window_key(clinic["practitioner"].id))  # its window expired
    assert offers.advance(now=utcnow() + timedelta(seconds=WINDOW + 1) + offers.CATCH_UP_MARGIN)["late_fan_outs"] == 1
    assert len(availability_emails()) == 3


# ------------------------------------------------------------------ no window


@pytest.mark.config(OFFER_COALESCE_SECONDS=0)
def test_no_window_queues_a_fan_out_per_change_at_once(clinic):
    cancel_all(clinic, clinic["booked"][:2])
    jobs = queues.get_queue("default").get_jobs()
    assert [(j.func_name, j.args) for j in jobs] == [
        (offers.FAN_OUT_JOB, (clinic["practitioner"].id, [a.slot_id])) for a in clinic["booked"][:2]
    ]
    assert scheduled() == []
    for job in jobs:
        offer_jobs.fan_out(*job.args)
    assert all(len(emails) == 2 for emails in emails_by_patient().values())
