"""The offers page: who was offered which slot, when, in what order, and how it ended."""

from datetime import timedelta

import pytest

from dashboard.clinic_time import clinic_zone
from dashboard.models import Role
from dashboard.services import appointments, offers, waitlist
from dashboard.services.users import create_user
from tests.conftest import PASSWORD
from tests.factories import make_patient, make_slot, practitioner_of


@pytest.fixture
def drwho(people):
    return practitioner_of(people["practitioner"])


@pytest.fixture
def drno(app):
    user = create_user(
        username="drno",
        email="drno@clinic.example.org",
        full_name="No Person",
        role=Role.PRACTITIONER,
        password=PASSWORD,
        specialty="Physiotherapy",
    )
    return practitioner_of(user)


def _waiting(people, practitioner, *names, urgent=()):
    made = {}
    for name in names:
        patient = make_patient(name, "Waiting")
        waitlist.add(practitioner.id, patient.id, by_user=people["staff"], urgent=name in urgent)
        made[name] = patient
    return made


def _offered_slot(people, practitioner, *names, urgent=(), **slot_args):
    patients = _waiting(people, practitioner, *names, urgent=urgent)
    slot = make_slot(practitioner, **slot_args)
    offers.fan_out(practitioner.id, [slot.id])
    return slot, patients


def test_a_slots_offers_in_order_with_outcomes(client, auth, people, drwho):
    slot, patients = _offered_slot(people, drwho, "Ana", "Ben", "Cleo", urgent=("Cleo",))
    auth.login("sam")
    page = client.get(f"/offers/?slot={slot.id}").get_data(as_text=True)
    assert page.index("Cleo Waiting") < page.index("Ana Waiting") < page.index("Ben Waiting")
    assert page.count(">Offered<") == 3 and "Waiting list" in page and "everyone at once" in page

    booked = offers.book(patients["Ben"].id, slot.id).appointment
    page = client.get(f"/offers/?slot={slot.id}").get_data(as_text=True)
    assert page.count(">Booked<") == 1 and page.count(">Taken by another<") == 2
    assert f'href="/appointments/{booked.id}"' in page
    assert f'href="/patients/{patients["Ana"].id}"' in page


@pytest.mark.config(OFFER_MODE="one_at_a_time")
def test_one_at_a_time_shows_the_hold_and_the_queue(client, auth, people, drwho):
    slot, _patients = _offered_slot(people, drwho, "Ana", "Ben")
    auth.login("drwho")
    page = client.get(f"/offers/?slot={slot.id}").get_data(as_text=True)
    assert page.index("Ana Waiting") < page.index("Ben Waiting")
    assert ">Held for them<" in page and ">Queued<" in page and "one at a time" in page
    assert "not yet" in page  # Ben hasn't been told yet
    assert 'href="/patients/' not in page  # practitioners don't get the desk's patient pages


def test_recent_offers_grouped_by_slot_and_filtered(client, auth, people, drwho, drno):
    first, _ = _offered_slot(people, drwho, "Ana", starts_in=timedelta(days=2))
    second = make_slot(drwho, starts_in=timedelta(days=3))
    offers.fan_out(drwho.id, [second.id])
    theirs, _ = _offered_slot(people, drno, "Zed")
    auth.login("sam")
    page = client.get("/offers/").get_data(as_text=True)
    for slot in (first, second, theirs):
        assert f'data-testid="slot-{slot.id}"' in page and f'href="/offers/?slot={slot.id}"' in page
    page = client.get(f"/offers/?practitioner={drwho.id}").get_data(as_text=True)
    assert f'data-testid="slot-{first.id}"' in page and f'data-testid="slot-{theirs.id}"' not in page
    assert "Zed Waiting" not in page and "Ana Waiting" in page


def test_a_practitioner_sees_only_their_own_offers(client, auth, people, drwho, drno):
    mine, _ = _offered_slot(people, drwho, "Ana")
    theirs, _ = _offered_slot(people, drno, "Zed")
    auth.login("drwho")
    page = client.get("/offers/").get_data(as_text=True)
    assert "Ana Waiting" in page and "Zed Waiting" not in page
    assert 'data-testid="practitioner-picker"' not in page
    assert client.get(f"/offers/?slot={mine.id}").status_code == 200
    assert client.get(f"/offers/?slot={theirs.id}").status_code == 403
    assert client.get(f"/offers/?practitioner={drno.id}").status_code == 403
    assert client.get(f"/offers/?practitioner={drwho.id}").status_code == 200


def test_bad_ids_and_junk_params(client, auth, people, drwho):
    auth.login("sam")
    assert client.get("/offers/?slot=987654").status_code == 404
    assert client.get("/offers/?practitioner=987654").status_code == 404
    for junk in ["abc", "-1", "1.5", "99999999999999999999", "%3Cb%3E", ""]:
        response = client.get(f"/offers/?slot={junk}&practitioner={junk}")
        assert response.status_code == 200, junk
        assert 'data-testid="no-offers"' in response.get_data(as_text=True)


def test_a_slot_nobody_was_offered(client, auth, people, drwho):
    slot = make_slot(drwho)
    auth.login("sam")
    page = client.get(f"/offers/?slot={slot.id}").get_data(as_text=True)
    assert 'data-testid="no-offers"' in page and "Nobody was offered this time yet" in page


def test_the_schedule_links_to_a_slots_offers(client, auth, people, drwho):
    offered, _ = _offered_slot(people, drwho, "Ana", starts_in=timedelta(days=1))
    quiet = make_slot(drwho, starts_in=timedelta(days=1, hours=1))
    auth.login("drwho")
    day = offered.starts_at.astimezone(clinic_zone()).date()
    page = client.get(f"/schedule/?week={day.isoformat()}").get_data(as_text=True)
    assert f'data-testid="slot-{offered.id}"' in page
    assert f'href="/offers/?slot={offered.id}"' in page
    assert f'href="/offers/?slot={quiet.id}"' not in page


def test_names_are_escaped(client, auth, people, drwho):
    evil = make_patient("<script>alert(1)</script>", "<b>Bold</b>")
    waitlist.add(drwho.id, evil.id, by_user=people["staff"])
    slot = make_slot(drwho)
    offers.fan_out(drwho.id, [slot.id])
    auth.login("sam")
    for path in (f"/offers/?slot={slot.id}", "/offers/"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page and "<b>Bold</b>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_offer_moved_appointment_links_to_it(client, auth, people, drwho):
    """A patient with a pending request is offered the slot and their appointment moves into it."""
    patient = make_patient("Pending", "Person")
    later = make_slot(drwho, starts_in=timedelta(days=6))
    request = appointments.book(patient_id=patient.id, slot_id=later.id, by_user=people["staff"], confirmed=False)
    slot = make_slot(drwho, starts_in=timedelta(days=2))
    offers.fan_out(drwho.id, [slot.id])
    offers.book(patient.id, slot.id)
    auth.login("sam")
    page = client.get(f"/offers/?slot={slot.id}").get_data(as_text=True)
    assert "Pending request" in page and ">Booked<" in page
    assert f'href="/appointments/{request.appointment.id}"' in page
