"""The schedule pages: a practitioner's week, adding slots one at a time or many, blocking and removing them."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from dashboard.clinic_time import clinic_today, clinic_zone
from dashboard.extensions import db
from dashboard.models import Slot, SlotStatus
from dashboard.services import appointments
from dashboard.services.users import create_user
from tests.conftest import PASSWORD
from tests.factories import make_patient, make_slot, next_weekday, practitioner_of

PAGE = "/schedule/"


def slot_count(practitioner=None) -> int:
    query = select(func.count(Slot.id))
    if practitioner is not None:
        query = query.where(Slot.practitioner_id == practitioner.id)
    return db.session.scalar(query)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_day(slot) -> date:
    return slot.starts_at.astimezone(clinic_zone()).date()


def day_words(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def one_slot(practitioner, day: date, start="09:00", end="09:30") -> dict:
    return {"practitioner": practitioner.id, "day": day.isoformat(), "start": start, "end": end}


def many_slots(practitioner, first: date, **overrides) -> dict:
    data = {
        "practitioner": practitioner.id,
        "first_day": first.isoformat(),
        "weeks": "2",
        "weekdays": ["1", "3"],
        "from_time": "09:00",
        "to_time": "12:00",
        "minutes": "30",
    }
    data.update(overrides)
    return data


def page_text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def drwho(people):
    return practitioner_of(people["practitioner"])


@pytest.fixture
def second(app):
    """Another practitioner, with their own profile."""
    user = create_user(
        username="drno",
        email="drno@clinic.example.org",
        full_name="Dr No",
        role="practitioner",
        password=PASSWORD,
        specialty="Dermatology",
    )
    return user


# ------------------------------------------------------------------ the week page


def test_practitioner_adds_one_slot_and_sees_it_in_the_week(client, auth, people, drwho):
    auth.login("drwho")
    day = next_weekday(2)
    response = auth.post("/schedule/slots", one_slot(drwho, day, "10:00", "10:45"), form_page=PAGE)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/schedule/?practitioner={drwho.id}&week={monday_of(day).isoformat()}"
    [slot] = db.session.scalars(select(Slot)).all()
    assert slot.status == SlotStatus.OPEN and slot.minutes == 45
    assert slot.created_by_id == people["practitioner"].id

    page = page_text(client.get(response.headers["Location"]))
    assert "Added a slot for" in page
    assert f'data-testid="slot-{slot.id}"' in page
    assert "10:00 am–10:45 am" in page
    assert f'href="/appointments/new?slot={slot.id}"' in page
    assert f"/schedule/slots/{slot.id}/block" in page and f"/schedule/slots/{slot.id}/remove" in page
    assert '<span class="badge text-bg-success" data-testid="count-open">1 open</span>' in page


def test_the_week_page_shows_its_own_week_and_empty_state(client, auth, people, drwho):
    auth.login("drwho")
    response = client.get(PAGE)
    assert response.status_code == 200
    page = page_text(response)
    assert "No slots this week" in page
    assert "My schedule" in page
    assert 'data-testid="practitioner-picker"' not in page  # practitioners only see their own
    today = clinic_today()
    assert f'data-testid="day-{monday_of(today).isoformat()}"' in page
    assert f"week={(monday_of(today) + timedelta(days=7)).isoformat()}" in page
    # Both forms, with CSRF tokens and the practitioner's id.
    assert page.count('name="csrf_token"') >= 3
    assert page.count(f'name="practitioner" type="hidden" value="{drwho.id}"') == 2


def test_add_many_slots(client, auth, people, drwho):
    auth.login("drwho")
    tuesday = next_weekday(1)
    response = auth.post("/schedule/slots/recurring", many_slots(drwho, tuesday), form_page=PAGE)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"week={monday_of(tuesday).isoformat()}")
    assert slot_count(drwho) == 24  # Tue + Thu, 6 half hours each, two weeks
    last_thursday = tuesday + timedelta(days=9)
    page = page_text(client.get(response.headers["Location"]))
    assert "Added 24 slots for Drwho Person" in page
    assert f"{day_words(tuesday)} – {day_words(last_thursday)}." in page
    assert "12 open" in page  # this week's half
    assert "11:30 am–12:00 pm" in page


def test_overlapping_slots_are_refused_and_nothing_is_added(client, auth, people, drwho):
    auth.login("drwho")
    tuesday = next_weekday(1)
    assert auth.post("/schedule/slots", one_slot(drwho, tuesday, "10:15", "10:45"), form_page=PAGE).status_code == 302

    response = auth.post("/schedule/slots/recurring", many_slots(drwho, tuesday), form_page=PAGE)
    assert response.status_code == 400
    page = page_text(response)
    assert "overlaps a slot that already exists" in page and "Nothing was added." in page
    assert slot_count(drwho) == 1
    # The form keeps what was typed.
    assert 'value="12:00"' in page and '<input checked class="form-check-input" id="weekdays-3"' in page

    response = auth.post("/schedule/slots", one_slot(drwho, tuesday, "10:00", "10:30"), form_page=PAGE)
    assert response.status_code == 400
    assert "overlaps a slot that already exists" in page_text(response)
    assert slot_count(drwho) == 1


def test_slots_in_the_past_are_refused(client, auth, people, drwho):
    auth.login("drwho")
    yesterday = clinic_today() - timedelta(days=1)
    response = auth.post("/schedule/slots", one_slot(drwho, yesterday), form_page=PAGE)
    assert response.status_code == 400
    assert "is in the past; slots must start in the future." in page_text(response)
    response = auth.post(
        "/schedule/slots/recurring", many_slots(drwho, yesterday, weekdays=[str(i) for i in range(7)]), form_page=PAGE
    )
    assert response.status_code == 400
    assert "is in the past" in page_text(response)
    assert slot_count() == 0


def test_end_before_start_is_refused_next_to_the_field(client, auth, people, drwho):
    auth.login("drwho")
    day = next_weekday(4)
    response = auth.post("/schedule/slots", one_slot(drwho, day, "11:00", "10:00"), form_page=PAGE)
    assert response.status_code == 400
    page = page_text(response)
    assert re.search(r'id="end"[^>]*>\s*<div class="invalid-feedback d-block">The end time must be after', page)
    assert 'value="11:00"' in page
    assert slot_count() == 0


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"weekdays": []}, "Choose at least one day of the week."),
        ({"weeks": "53"}, "Repeat for between 1 and 52 weeks."),
        ({"weeks": "abc"}, "Not a valid integer value."),
        ({"minutes": "2"}, "Between 5 and 720 minutes."),
        ({"to_time": "08:00"}, "The end time must be after the start time."),
        ({"first_day": "not a date"}, "Not a valid date value."),
        ({"first_day": "0001-01-01"}, "That date is too far in the past."),
        ({"weekdays": ["9"]}, "is not a valid choice"),
        ({"from_time": "09:00", "to_time": "09:20"}, "No 30-minute slot fits between 9:00 am and 9:20 am."),
    ],
)
def test_add_many_validation(client, auth, people, drwho, overrides, message):
    auth.login("drwho")
    response = auth.post("/schedule/slots/recurring", many_slots(drwho, next_weekday(0), **overrides), form_page=PAGE)
    assert response.status_code == 400
    assert message in page_text(response)
    assert slot_count() == 0


def test_a_missing_or_junk_practitioner_id_in_a_form_is_404(client, auth, people, drwho):
    auth.login("sam")
    day = next_weekday(2)
    for junk in ["", "abc", "999999"]:
        response = auth.post("/schedule/slots", {**one_slot(drwho, day), "practitioner": junk}, form_page=PAGE)
        assert response.status_code == 404, junk
    assert slot_count() == 0


# ------------------------------------------------------------------ the desk


def test_staff_manage_a_practitioners_schedule(client, auth, people, drwho, second):
    auth.login("sam")
    page = page_text(client.get(PAGE))
    assert 'data-testid="practitioner-picker"' in page
    assert "Drwho Person" in page and "Dr No" in page

    day = next_weekday(3)
    response = auth.post("/schedule/slots", one_slot(drwho, day), form_page=PAGE)
    assert response.status_code == 302
    assert f"practitioner={drwho.id}" in response.headers["Location"]
    [slot] = db.session.scalars(select(Slot)).all()
    assert slot.practitioner_id == drwho.id and slot.created_by_id == people["staff"].id

    page = page_text(client.get(f"{PAGE}?practitioner={drwho.id}&week={day.isoformat()}"))
    assert f'<option value="{drwho.id}" selected>Drwho Person</option>' in page
    assert f'data-testid="slot-{slot.id}"' in page

    assert auth.post(f"/schedule/slots/{slot.id}/block", form_page=PAGE).status_code == 302
    db.session.refresh(slot)
    assert slot.status == SlotStatus.BLOCKED


def test_the_owner_sees_a_message_when_there_are_no_practitioners(client, auth, app):
    create_user(username="olive", email="o@clinic.example.org", full_name="Olive", role="owner", password=PASSWORD)
    auth.login("olive")
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "There is no practitioner whose schedule you can manage yet." in page_text(response)


def test_desk_asking_for_an_unknown_practitioner_gets_404(client, auth, people):
    auth.login("olive")
    assert client.get(f"{PAGE}?practitioner=999999").status_code == 404


# ------------------------------------------------------------------ someone else's schedule


def test_another_practitioner_cannot_see_or_change_drwhos_schedule(client, auth, people, drwho, second):
    slot = make_slot(drwho)
    auth.login("drno")
    mine = practitioner_of(second)

    assert client.get(f"{PAGE}?practitioner={drwho.id}").status_code == 403
    page = page_text(client.get(PAGE))
    assert f'name="practitioner" type="hidden" value="{mine.id}"' in page
    assert f'name="practitioner" type="hidden" value="{drwho.id}"' not in page

    day = next_weekday(2)
    assert auth.post("/schedule/slots", one_slot(drwho, day), form_page=PAGE).status_code == 403
    assert auth.post("/schedule/slots/recurring", many_slots(drwho, day), form_page=PAGE).status_code == 403
    for action in ["block", "unblock", "remove"]:
        assert auth.post(f"/schedule/slots/{slot.id}/{action}", form_page=PAGE).status_code == 403, action
    db.session.refresh(slot)
    assert slot.status == SlotStatus.OPEN
    assert slot_count() == 1


# ------------------------------------------------------------------ block, unblock, remove


def test_block_unblock_and_remove(client, auth, people, drwho):
    slot = make_slot(drwho)
    slot_id = slot.id
    auth.login("drwho")
    location = f"/schedule/?practitioner={drwho.id}&week="

    response = auth.post(f"/schedule/slots/{slot.id}/block", form_page=PAGE)
    assert response.status_code == 302 and response.headers["Location"].startswith(location)
    db.session.refresh(slot)
    assert slot.status == SlotStatus.BLOCKED
    page = page_text(client.get(response.headers["Location"]))
    assert "is blocked." in page and "Unblock" in page and "1 blocked" in page

    response = auth.post(f"/schedule/slots/{slot.id}/block", form_page=PAGE)
    assert "That slot is already blocked." in page_text(client.get(response.headers["Location"]))

    auth.post(f"/schedule/slots/{slot.id}/unblock", form_page=PAGE)
    db.session.refresh(slot)
    assert slot.status == SlotStatus.OPEN

    response = auth.post(f"/schedule/slots/{slot.id}/remove", form_page=PAGE)
    assert response.status_code == 302 and response.headers["Location"].startswith(location)
    assert "was removed." in page_text(client.get(response.headers["Location"]))
    assert slot_count() == 0

    assert auth.post(f"/schedule/slots/{slot_id}/remove", form_page=PAGE).status_code == 404


def test_a_booked_slot_shows_its_patient_and_cannot_be_removed(client, auth, people, drwho):
    slot = make_slot(drwho)
    patient = make_patient("Mere", "Tane")
    booked = appointments.book(
        patient_id=patient.id, slot_id=slot.id, by_user=people["staff"], reason="Sore <knee>"
    ).appointment
    auth.login("drwho")
    page = page_text(client.get(f"{PAGE}?week={local_day(slot).isoformat()}"))
    assert f'data-testid="slot-{slot.id}"' in page
    assert f'href="/appointments/{booked.id}"' in page
    assert "Mere Tane" in page and "Sore &lt;knee&gt;" in page
    assert f"/schedule/slots/{slot.id}/remove" not in page

    response = auth.post(f"/schedule/slots/{slot.id}/remove", form_page=PAGE)
    assert response.status_code == 302
    assert "cancel its appointment first" in page_text(client.get(response.headers["Location"]))
    assert slot_count() == 1


# ------------------------------------------------------------------ junk


@pytest.mark.parametrize(
    "query",
    [
        "?week=notadate&practitioner=abc",
        "?week=0001-01-01",
        "?week=9999-12-31",
        "?week=2026-02-30",
        "?practitioner=-1",
        "?practitioner=99999999999999999999",
        "?week=&practitioner=",
    ],
)
def test_junk_query_params_fall_back_to_defaults(client, auth, people, drwho, query):
    auth.login("sam")
    response = client.get(PAGE + query)
    assert response.status_code == 200
    assert f'data-testid="day-{monday_of(clinic_today()).isoformat()}"' in page_text(response)


def test_get_on_a_form_address_goes_back_to_the_week(client, auth, people, drwho):
    auth.login("drwho")
    response = client.get(f"/schedule/slots?practitioner={drwho.id}&week=2030-01-01&_external=1")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/schedule/?practitioner={drwho.id}&week=2030-01-01"


def test_a_slots_actions_are_in_its_menu(client, auth, people, drwho):
    """Block, unblock, remove and offers live in a menu on the slot (a <details>: it opens
    without JavaScript), not as buttons on every slot; Book stays a button on an open one."""
    open_slot = make_slot(drwho, starts_in=timedelta(days=1))
    blocked = make_slot(drwho, starts_in=timedelta(days=1, hours=1), status=SlotStatus.BLOCKED)
    auth.login("drwho")
    page = page_text(client.get(f"{PAGE}?practitioner={drwho.id}&week={local_day(open_slot).isoformat()}"))
    for slot, actions in [(open_slot, ["block", "remove"]), (blocked, ["unblock", "remove"])]:
        menu = re.search(rf'<details[^>]*data-testid="slot-menu-{slot.id}">.*?</details>', page, re.S)
        assert menu, f"no menu on slot {slot.id}"
        for action in actions:
            assert f'action="/schedule/slots/{slot.id}/{action}"' in menu.group(0)
        assert page.count(f"/schedule/slots/{slot.id}/") == len(actions)  # nowhere outside the menu
    assert f'href="/appointments/new?slot={open_slot.id}"' in page
