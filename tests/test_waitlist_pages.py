"""The waiting-list pages: adding, reordering, urgency, removing, who is next; and the "earlier, please" toggle."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from dashboard.clinic_time import clinic_today
from dashboard.extensions import db
from dashboard.models import Appointment, InterestReason, Role, WaitlistEntry
from dashboard.services import appointments, offers, waitlist
from dashboard.services.users import create_user
from tests.conftest import PASSWORD
from tests.factories import make_patient, make_slot, practitioner_of


@pytest.fixture
def drwho(people):
    return practitioner_of(people["practitioner"])


@pytest.fixture
def drno(app):
    """A second practitioner, whose list drwho may not see."""
    user = create_user(
        username="drno",
        email="drno@clinic.example.org",
        full_name="No Person",
        role=Role.PRACTITIONER,
        password=PASSWORD,
        specialty="Physiotherapy",
    )
    return practitioner_of(user)


def _open_entries(practitioner) -> list[WaitlistEntry]:
    db.session.expire_all()
    return waitlist.entries(practitioner.id)


def _names(practitioner) -> list[str]:
    return [e.patient.name for e in _open_entries(practitioner)]


def _add(auth, practitioner, patient, **extra):
    data = {"practitioner": practitioner.id, "patient_id": patient.id, **extra}
    return auth.post("/waitlist/add", data)


# ------------------------------------------------------------------ the list


def test_staff_finds_a_patient_and_adds_them(client, auth, people, drwho):
    patient = make_patient("Aroha", "Ngata")
    auth.login("sam")
    page = client.get(f"/waitlist/?practitioner={drwho.id}&q=aroha").get_data(as_text=True)
    assert f'value="{patient.id}"' in page and "Aroha Ngata" in page and 'type="radio"' in page

    response = _add(auth, drwho, patient, urgent="y", preferences="Mornings, not Fridays")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/waitlist/?practitioner={drwho.id}"
    (entry,) = _open_entries(drwho)
    assert entry.patient_id == patient.id and entry.urgent and entry.preferences == "Mornings, not Fridays"

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Added Aroha Ngata to" in page
    assert "Mornings, not Fridays" in page and 'data-testid="urgent"' in page
    assert f'href="/patients/{patient.id}"' in page  # the desk gets a link to the patient


def test_a_preselected_patient_is_chosen(client, auth, people, drwho):
    patient = make_patient("Mere", "Tane")
    auth.login("sam")
    page = client.get(f"/waitlist/?practitioner={drwho.id}&patient={patient.id}").get_data(as_text=True)
    assert f'value="{patient.id}" checked' in page


def test_adding_twice_is_refused_with_a_clear_message(client, auth, people, drwho):
    patient = make_patient("Aroha", "Ngata")
    auth.login("sam")
    assert _add(auth, drwho, patient).status_code == 302
    response = _add(auth, drwho, patient, q="aroha")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "That patient is already on this waiting list." in page
    assert f'value="{patient.id}" checked' in page  # the form keeps the choice
    assert len(_open_entries(drwho)) == 1


@pytest.mark.parametrize(
    "extra,message",
    [
        ({"patient_id": ""}, "Choose a patient."),
        ({"patient_id": "abc"}, "Choose a patient."),
        ({"patient_id": "99999999999999"}, "Choose a patient."),
        ({"patient_id": "987654"}, "Choose a patient."),  # no such patient: the service says so
        ({"preferences": "x" * 201}, "At most 200 characters."),
        ({"expires_on": "2001-01-01"}, "The end date is in the past."),
        ({"expires_on": "not a date"}, "Not a valid date value."),
    ],
)
def test_a_refused_add_says_why(client, auth, people, drwho, extra, message):
    patient = make_patient()
    auth.login("sam")
    response = _add(auth, drwho, patient, **extra)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _open_entries(drwho) == []


def test_reorder_urgent_and_remove(client, auth, people, drwho):
    ana, ben, cleo = (make_patient(name, "Waiting") for name in ("Ana", "Ben", "Cleo"))
    for patient in (ana, ben, cleo):
        waitlist.add(drwho.id, patient.id, by_user=people["staff"])
    auth.login("sam")
    entry = {e.patient.first_name: e.id for e in _open_entries(drwho)}

    assert auth.post(f"/waitlist/{entry['Cleo']}/move", {"direction": "up"}).status_code == 302
    assert _names(drwho) == ["Ana Waiting", "Cleo Waiting", "Ben Waiting"]
    auth.post(f"/waitlist/{entry['Ana']}/move", {"direction": "down"})
    assert _names(drwho) == ["Cleo Waiting", "Ana Waiting", "Ben Waiting"]
    auth.post(f"/waitlist/{entry['Cleo']}/move", {"direction": "up"})  # already first: nothing happens
    assert _names(drwho) == ["Cleo Waiting", "Ana Waiting", "Ben Waiting"]
    response = auth.post(f"/waitlist/{entry['Ben']}/move", {"direction": "sideways"})
    assert response.status_code == 302
    assert "Move it up or down." in client.get(response.headers["Location"]).get_data(as_text=True)

    auth.post(f"/waitlist/{entry['Ben']}/urgent", {"urgent": "1"})
    assert _names(drwho) == ["Ben Waiting", "Cleo Waiting", "Ana Waiting"]
    page = client.get(f"/waitlist/?practitioner={drwho.id}").get_data(as_text=True)
    assert "Ben Waiting is marked urgent." in page
    assert page.index("Ben Waiting") < page.index("Cleo Waiting") < page.index("Ana Waiting")
    auth.post(f"/waitlist/{entry['Ben']}/urgent", {"urgent": "0"})
    assert [e.urgent for e in _open_entries(drwho)] == [False, False, False]

    response = auth.post(f"/waitlist/{entry['Ana']}/remove")
    assert response.status_code == 302
    assert _names(drwho) == ["Cleo Waiting", "Ben Waiting"]
    assert db.session.get(WaitlistEntry, entry["Ana"]).end_reason == "removed"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ana Waiting was taken off the waiting list." in page

    # Acting on an entry that has ended: a readable refusal, not an error page.
    response = auth.post(f"/waitlist/{entry['Ana']}/remove")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "That patient is no longer on the waiting list." in page


def test_acting_on_an_entry_past_its_end_date(client, auth, people, drwho):
    ended = waitlist.add(drwho.id, make_patient().id, by_user=people["staff"])
    waitlist.add(drwho.id, make_patient().id, by_user=people["staff"])
    db.session.get(WaitlistEntry, ended.id).expires_on = clinic_today() - timedelta(days=1)
    db.session.commit()  # not swept yet: nothing has listed the entries since midnight
    auth.login("sam")
    for action, data in [("move", {"direction": "down"}), ("urgent", {"urgent": "1"}), ("remove", {})]:
        response = auth.post(f"/waitlist/{ended.id}/{action}", data)
        assert response.status_code == 302, action
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "That patient is no longer on the waiting list." in page
    assert db.session.get(WaitlistEntry, ended.id).end_reason == "expired"


def test_who_would_be_offered_next_and_the_mode(client, auth, people, drwho):
    listed = make_patient("Ana", "Listed")
    urgent = make_patient("Ben", "Urgent")
    requester = make_patient("Cleo", "Requested")
    waitlist.add(drwho.id, listed.id, by_user=people["staff"])
    waitlist.add(drwho.id, urgent.id, by_user=people["staff"], urgent=True)
    appointments.book(patient_id=requester.id, slot_id=make_slot(drwho).id, by_user=people["staff"], confirmed=False)
    auth.login("drwho")
    page = client.get("/waitlist/").get_data(as_text=True)
    panel = page[page.index('data-testid="interested"') :]
    assert panel.index("Ben Urgent") < panel.index("Cleo Requested") < panel.index("Ana Listed")
    assert "Pending request" in panel and "Waiting list" in panel
    assert "Everyone at once" in panel


# ------------------------------------------------------------------ who may see what


def test_a_practitioner_sees_only_their_own_list(client, auth, people, drwho, drno):
    mine = make_patient("Mine", "Patient")
    theirs = make_patient("Theirs", "Patient")
    waitlist.add(drwho.id, mine.id, by_user=people["staff"])
    other = waitlist.add(drno.id, theirs.id, by_user=people["staff"])
    auth.login("drwho")
    page = client.get("/waitlist/").get_data(as_text=True)
    assert "My waiting list" in page and "Mine Patient" in page and "Theirs Patient" not in page
    assert 'data-testid="practitioner-picker"' not in page
    assert f'href="/patients/{mine.id}"' not in page  # patients' pages are the desk's

    assert client.get(f"/waitlist/?practitioner={drno.id}").status_code == 403
    for action, data in [("move", {"direction": "up"}), ("urgent", {"urgent": "1"}), ("remove", {})]:
        assert auth.post(f"/waitlist/{other.id}/{action}", data).status_code == 403
    assert _add(auth, drno, mine).status_code == 403
    assert [e.id for e in _open_entries(drno)] == [other.id]


def test_the_desk_picks_the_practitioner(client, auth, people, drwho, drno):
    waitlist.add(drno.id, make_patient("Theirs", "Patient").id, by_user=people["staff"])
    auth.login("olive")
    page = client.get(f"/waitlist/?practitioner={drno.id}").get_data(as_text=True)
    assert 'data-testid="practitioner-picker"' in page and "Theirs Patient" in page


def test_bad_ids_and_junk_params(client, auth, people, drwho):
    auth.login("sam")
    assert client.get("/waitlist/?practitioner=987654").status_code == 404
    for junk in ["abc", "-1", "1e9", "99999999999999999999", "%3Cb%3E"]:
        response = client.get(f"/waitlist/?practitioner={junk}&patient={junk}&q={junk}")
        assert response.status_code == 200, junk
    assert client.get("/waitlist/?q=" + "a" * 5000).status_code == 200
    for action in ("move", "urgent", "remove"):
        assert auth.post(f"/waitlist/987654/{action}", {"direction": "up", "urgent": "1"}).status_code == 404
        assert auth.post(f"/waitlist/99999999999999999999/{action}").status_code == 404
    assert auth.post("/waitlist/add", {"practitioner": "junk", "patient_id": "1"}).status_code == 404
    assert client.get("/waitlist/add").status_code == 302  # reloading a refused form: back to the list


def test_no_practitioner_yet(client, auth, app):
    create_user(username="lonely", email="l@clinic.example.org", full_name="L", role=Role.STAFF, password=PASSWORD)
    auth.login("lonely")
    response = client.get("/waitlist/")
    assert response.status_code == 200 and 'data-testid="no-practitioner"' in response.get_data(as_text=True)


def test_names_are_escaped(client, auth, people, drwho):
    evil = make_patient("<script>alert(1)</script>", "<b>Bold</b>")
    waitlist.add(drwho.id, evil.id, by_user=people["staff"], preferences="<img src=x onerror=alert(1)>")
    auth.login("sam")
    page = client.get(f"/waitlist/?practitioner={drwho.id}&q=script").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "<b>Bold</b>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page


# ------------------------------------------------------------------ "would like an earlier time"


@pytest.fixture
def booked(people, drwho):
    patient = make_patient("Mere", "Tane")
    slot = make_slot(drwho, starts_in=timedelta(days=5))
    return appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=people["staff"]).appointment


def test_the_earlier_toggle_sets_the_flag_and_puts_them_in_line(client, auth, people, drwho, booked):
    auth.login("sam")
    page = client.get(f"/appointments/{booked.id}").get_data(as_text=True)
    assert 'data-testid="earlier"' in page and 'data-testid="wants-earlier"' not in page
    assert all(i.patient.id != booked.patient_id for i in offers.interested(drwho.id))

    response = auth.post(f"/appointments/{booked.id}/earlier", {"wants": "1"})
    assert response.status_code == 302 and response.headers["Location"] == f"/appointments/{booked.id}"
    db.session.expire_all()
    assert db.session.get(Appointment, booked.id).wants_earlier is True
    page = client.get(f"/appointments/{booked.id}").get_data(as_text=True)
    assert 'data-testid="wants-earlier"' in page and "No longer wants an earlier time" in page
    (interest,) = [i for i in offers.interested(drwho.id) if i.patient.id == booked.patient_id]
    assert interest.reason == InterestReason.EARLIER and interest.before == booked.starts_at
    assert "Wants an earlier time" in client.get("/waitlist/").get_data(as_text=True)

    auth.post(f"/appointments/{booked.id}/earlier", {"wants": "0"})
    db.session.expire_all()
    assert db.session.get(Appointment, booked.id).wants_earlier is False
    assert all(i.patient.id != booked.patient_id for i in offers.interested(drwho.id))


def test_the_earlier_toggle_refuses_junk_and_past_or_cancelled(client, auth, people, drwho, booked):
    auth.login("drwho")
    response = auth.post(f"/appointments/{booked.id}/earlier", {"wants": "maybe"})
    assert response.status_code == 302
    assert "Say whether" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert auth.post("/appointments/987654/earlier", {"wants": "1"}).status_code == 404
    assert auth.post("/appointments/99999999999/earlier", {"wants": "1"}).status_code == 404

    appointments.cancel(booked.id, by_user=people["staff"], reason="Unwell")
    response = auth.post(f"/appointments/{booked.id}/earlier", {"wants": "1"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Only a pending or confirmed appointment" in page and 'data-testid="earlier"' not in page
    db.session.expire_all()
    assert db.session.get(Appointment, booked.id).wants_earlier is False

    past = make_slot(drwho, starts_in=timedelta(days=-1))
    old = appointments.create(make_patient(), past, reason="", confirmed=True)
    db.session.commit()
    response = auth.post(f"/appointments/{old.id}/earlier", {"wants": "1"})
    assert "already started" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_another_practitioners_appointment_is_403(client, auth, people, drno):
    theirs = appointments.book(
        patient_id=make_patient().id, slot_id=make_slot(drno).id, by_user=people["staff"]
    ).appointment
    auth.login("drwho")
    assert auth.post(f"/appointments/{theirs.id}/earlier", {"wants": "1"}).status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(Appointment.wants_earlier).where(Appointment.id == theirs.id)) is False


def test_set_wants_earlier_changes_only_the_flag(people, drwho, booked):
    from dashboard.services.appointments import set_wants_earlier

    before = (booked.starts_at, booked.slot_id, booked.status)
    assert set_wants_earlier(booked.id, True, people["practitioner"]).wants_earlier is True
    assert (booked.starts_at, booked.slot_id, booked.status) == before
