"""The clinic's calendar (/calendar/): a day of every practitioner's time, placed by the clock."""

import re
from datetime import date, time, timedelta

import pytest

from dashboard.clinic_time import clinic_today, local_to_utc
from dashboard.extensions import db
from dashboard.models import Appointment, AppointmentStatus, Practitioner, Slot, SlotStatus
from dashboard.services import calendar
from dashboard.services.users import create_user
from tests.conftest import PASSWORD
from tests.factories import make_patient, practitioner_of

PAGE = "/calendar/"
DAY = date(2037, 12, 4)  # a Friday, summer time in Auckland, years ahead (an open slot on it is still bookable)
SPRING_FORWARD = date(2026, 9, 27)  # Auckland's clocks go 2 am → 3 am: a 23-hour day
FALL_BACK = date(2026, 4, 5)  # 3 am → 2 am: a 25-hour day


@pytest.fixture
def drwho(people):
    return practitioner_of(people["practitioner"])


@pytest.fixture
def wilson(app):
    user = create_user(
        username="wilson",
        email="wilson@clinic.example.org",
        full_name="Dr Mere Wilson",
        role="practitioner",
        password=PASSWORD,
        specialty="Physiotherapy",
    )
    return practitioner_of(user)


def slot_at(practitioner, day: date, at: time, minutes: int = 30, status=SlotStatus.OPEN) -> Slot:
    starts = local_to_utc(day, at)
    slot = Slot(
        practitioner_id=practitioner.id, starts_at=starts, ends_at=starts + timedelta(minutes=minutes), status=status
    )
    db.session.add(slot)
    db.session.commit()
    return slot


def booked(slot: Slot, patient, status=AppointmentStatus.CONFIRMED, reason="") -> Appointment:
    slot.status = SlotStatus.BOOKED
    appointment = Appointment(
        patient_id=patient.id,
        practitioner_id=slot.practitioner_id,
        slot_id=slot.id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        status=status,
        reason=reason,
    )
    db.session.add(appointment)
    db.session.commit()
    return appointment


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def entry(page: str, testid: str) -> str:
    """The opening tag of one entry of the grid."""
    match = re.search(rf'<(?:a|div) class="([^"]*)"[^>]*data-testid="entry-{testid}"', page, re.S)
    assert match, f"no entry-{testid}"
    return match.group(0)


def row_of(hour: int, minute: int) -> int:
    """The grid row of a wall-clock time on a day whose grid starts at 7 am (row 1 is the names)."""
    return 2 + (hour * 60 + minute - 7 * 60) // 5


def test_the_desk_sees_every_active_practitioner_in_a_column(client, auth, people, drwho, wilson):
    retired = Practitioner(name="Dr Gone Away", specialty="Dentistry", active=False)
    db.session.add(retired)
    db.session.commit()
    auth.login("sam")
    page = text(client.get(f"{PAGE}?day={DAY.isoformat()}"))
    assert f'data-testid="column-{drwho.id}"' in page and f'data-testid="column-{wilson.id}"' in page
    assert "Dr Gone Away" not in page
    assert "cal-cols-2" in page
    assert "Friday 4 December 2037" in page
    assert f'href="/calendar/?day={(DAY - timedelta(days=1)).isoformat()}"' in page
    assert f'href="/calendar/?day={(DAY + timedelta(days=1)).isoformat()}"' in page
    assert 'type="date"' in page and f'value="{DAY.isoformat()}"' in page


def test_a_practitioner_sees_only_their_own_column(client, auth, people, drwho, wilson):
    slot_at(wilson, DAY, time(9))
    mine = slot_at(drwho, DAY, time(10))
    auth.login("drwho")
    page = text(client.get(f"{PAGE}?day={DAY.isoformat()}"))
    assert f'data-testid="column-{drwho.id}"' in page and f'data-testid="column-{wilson.id}"' not in page
    assert f'data-testid="entry-{mine.id}"' in page
    assert page.count('data-testid="entry-') == 1
    # ?practitioner= naming someone else's column changes nothing
    page = text(client.get(f"{PAGE}?day={DAY.isoformat()}&practitioner={wilson.id}"))
    assert f'data-testid="column-{wilson.id}"' not in page


def test_every_slot_and_appointment_is_placed_by_its_time_with_its_status(client, auth, people, drwho, wilson):
    grace = make_patient("Grace", "Ngātiwai-O'Brien 🌿")
    open_slot = slot_at(drwho, DAY, time(9, 30))
    blocked = slot_at(drwho, DAY, time(10), status=SlotStatus.BLOCKED)
    confirmed = booked(slot_at(drwho, DAY, time(11), minutes=45), grace, reason="Sore <knee>")
    requested = booked(slot_at(wilson, DAY, time(8)), make_patient("Hemi", "Pōmare"), AppointmentStatus.PENDING)
    done = booked(slot_at(wilson, DAY, time(13)), make_patient("Ana"), AppointmentStatus.COMPLETED)
    missed = booked(slot_at(wilson, DAY, time(14)), make_patient("Tui"), AppointmentStatus.NO_SHOW)
    gone = booked(slot_at(wilson, DAY, time(15)), make_patient("Cancelled", "Person"), AppointmentStatus.CANCELLED)
    auth.login("sam")
    page = text(client.get(f"{PAGE}?day={DAY.isoformat()}"))

    drwho_col, wilson_col = ("cal-c2", "cal-c3") if drwho.name < wilson.name else ("cal-c3", "cal-c2")
    tag = entry(page, open_slot.id)
    assert f"cal-open {drwho_col} cal-r{row_of(9, 30)} cal-s6" in tag
    assert f'href="/appointments/new?slot={open_slot.id}"' in tag
    assert f"cal-blocked {drwho_col} cal-r{row_of(10, 0)} cal-s6" in entry(page, blocked.id)
    tag = entry(page, confirmed.slot_id)
    assert f"cal-confirmed {drwho_col} cal-r{row_of(11, 0)} cal-s9" in tag
    assert f'href="/appointments/{confirmed.id}"' in tag
    assert "Grace Ngātiwai-O&#39;Brien 🌿" in page and "Sore &lt;knee&gt;" in page
    assert f"cal-pending {wilson_col} cal-r{row_of(8, 0)}" in entry(page, requested.slot_id)
    assert "Requested" in page and "Hemi Pōmare" in page
    assert f"cal-completed {wilson_col}" in entry(page, done.slot_id)
    assert f"cal-no_show {wilson_col}" in entry(page, missed.slot_id)
    assert "No-show" in page
    # a cancelled appointment leaves its slot as it is (booked here: the row was written by hand)
    assert "Cancelled Person" not in page and f'data-testid="entry-{gone.slot_id}"' in page
    assert "11:00 am–11:45 am" in page


def test_an_appointment_outside_the_schedule_gets_a_place_too(client, auth, people, drwho):
    starts = local_to_utc(DAY, time(16, 15))
    adhoc = Appointment(
        patient_id=make_patient("Rangi").id,
        practitioner_id=drwho.id,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=20),
        status=AppointmentStatus.CONFIRMED,
    )
    db.session.add(adhoc)
    db.session.commit()
    auth.login("olive")
    tag = entry(text(client.get(f"{PAGE}?day={DAY.isoformat()}")), f"appointment-{adhoc.id}")
    assert f"cal-r{row_of(16, 15)} cal-s4" in tag and "cal-adhoc" in tag


def test_the_grid_widens_to_hold_an_early_or_late_slot(app, people, drwho):
    slot_at(drwho, DAY, time(6, 30))
    slot_at(drwho, DAY, time(20), minutes=60)
    day = calendar.day_view(people["staff"], DAY)
    assert (day.first_hour, day.last_hour) == (6, 21)
    assert day.hours[0].label == "6:00 am" and day.hours[-1].label == "8:00 pm"
    [column] = day.columns
    assert [e.row for e in column.entries] == [2 + 6, 2 + (20 - 6) * 12]


@pytest.mark.parametrize(("day", "hours"), [(SPRING_FORWARD, 23), (FALL_BACK, 25), (DAY, 24)])
def test_a_day_across_a_clock_change_is_23_or_25_hours_and_keeps_its_wall_clock_times(
    client, auth, people, drwho, day, hours
):
    first = slot_at(drwho, day, time(0, 30))  # before the change
    nine = slot_at(drwho, day, time(9))  # after it
    late = slot_at(drwho, day, time(23, 30))
    slot_at(drwho, day + timedelta(days=1), time(0, 15))  # the next day
    slot_at(drwho, day - timedelta(days=1), time(23, 45))  # the day before
    start, end = calendar.day_bounds(day)
    assert (end - start) == timedelta(hours=hours)
    auth.login("sam")
    page = text(client.get(f"{PAGE}?day={day.isoformat()}"))
    assert page.count('data-testid="entry-') == 3
    assert f"cal-r{2 + 30 // 5} cal-s6" in entry(page, first.id)  # the grid starts at midnight
    assert f"cal-r{2 + 9 * 12} cal-s6" in entry(page, nine.id)
    assert f"cal-r{2 + 23 * 12 + 6} cal-s6" in entry(page, late.id)
    assert "9:00 am–9:30 am" in page and "11:30 pm–12:00 am" in page
    assert (f"a {hours}-hour day" in page) == (hours != 24)


def test_the_current_time_is_a_line_on_today_only(client, auth, people, drwho):
    auth.login("sam")
    today = calendar.day_view(people["staff"], clinic_today())
    page = text(client.get(PAGE))
    assert clinic_today().isoformat() in page
    assert ('data-testid="now-line"' in page) == (today.now_row is not None)
    assert 'data-testid="now-line"' not in text(client.get(f"{PAGE}?day={DAY.isoformat()}"))


@pytest.mark.parametrize("junk", ["yesterday", "2026-13-01", "0001-01-01", "9999-12-31", "2026-12-04x", "x" * 300])
def test_a_junk_day_shows_today(client, auth, people, junk):
    auth.login("sam")
    page = text(client.get(f"{PAGE}?day={junk}"))
    assert f'value="{clinic_today().isoformat()}"' in page


def test_htmx_gets_the_grid_alone(client, auth, people, drwho):
    slot_at(drwho, DAY, time(9))
    auth.login("sam")
    page = text(client.get(f"{PAGE}?day={DAY.isoformat()}", headers={"HX-Request": "true"}))
    assert page.lstrip().startswith("<div") and "<html" not in page
    assert 'id="calendar-day"' in page and 'data-testid="entry-' in page


def test_the_day_is_built_in_three_statements_however_many_rows(app, people, drwho, wilson):
    from sqlalchemy import event

    for day_offset in range(3):
        for hour in range(8, 17):
            slot = slot_at(drwho, DAY + timedelta(days=day_offset), time(hour))
            booked(slot, make_patient())
            slot_at(wilson, DAY + timedelta(days=day_offset), time(hour))
    user = people["staff"]
    assert user.role  # loaded before counting
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        day = calendar.day_view(user, DAY)
        names = [e.appointment.patient_name for c in day.columns for e in c.entries if e.appointment]
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(names) == 9
    assert len(statements) == 3, statements


def test_only_the_staff_and_practitioners_see_it(client, auth, people):
    assert client.get(PAGE).status_code == 302  # to the login page
    for who in ("olive", "sam", "drwho"):
        auth.login(who)
        assert client.get(PAGE).status_code == 200
        auth.logout()


def test_the_calendar_is_in_every_roles_navigation(client, auth, people):
    for who, label in [("olive", "Calendar"), ("sam", "Calendar"), ("drwho", "My calendar")]:
        auth.login(who)
        assert f'href="/calendar/">{label}</a>' in text(client.get("/home"))
        auth.logout()
