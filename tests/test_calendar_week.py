"""A practitioner's week on the calendar (/calendar/week): a column per day, Monday to Sunday."""

from datetime import time, timedelta

import time_machine

from dashboard.clinic_time import local_to_utc
from dashboard.models import AppointmentStatus, SlotStatus
from dashboard.services import calendar_week
from tests import test_calendar_pages as day_view
from tests.factories import make_patient
from tests.test_calendar_pages import DAY, FALL_BACK, booked, entry, row_of, slot_at, text

drwho, wilson = day_view.drwho, day_view.wilson  # the same two practitioners' fixtures

PAGE = "/calendar/week"
MONDAY = DAY - timedelta(days=DAY.weekday())  # Monday 30 November 2037


def test_the_week_has_a_column_a_day_with_each_slot_on_its_day_and_time(client, auth, people, drwho, wilson):
    monday = slot_at(drwho, MONDAY, time(9))
    friday = booked(slot_at(drwho, DAY, time(11), minutes=45), make_patient("Aroha", "Pōmare"), reason="Knee")
    sunday = slot_at(drwho, MONDAY + timedelta(days=6), time(15), status=SlotStatus.BLOCKED)
    slot_at(drwho, MONDAY - timedelta(days=1), time(9))  # the Sunday before
    slot_at(drwho, MONDAY + timedelta(days=7), time(9))  # the Monday after
    slot_at(wilson, DAY, time(9))  # someone else's
    auth.login("sam")
    page = text(client.get(f"{PAGE}?practitioner={drwho.id}&day={DAY.isoformat()}"))
    assert "cal-cols-7" in page
    for n in range(7):
        assert f'data-testid="column-{(MONDAY + timedelta(days=n)).isoformat()}"' in page
    assert page.count('data-testid="entry-') == 3
    assert f"cal-open cal-c2 cal-r{row_of(9, 0)} cal-s6" in entry(page, monday.id)
    assert f"cal-confirmed cal-c6 cal-r{row_of(11, 0)} cal-s9" in entry(page, friday.slot_id)
    assert "Aroha Pōmare" in page and "Knee" in page
    assert f"cal-blocked cal-c8 cal-r{row_of(15, 0)}" in entry(page, sunday.id)
    assert drwho.name in page and "Mon 30 Nov – Sun 6 Dec 2037" in page
    # a week's columns open the clinic's day; the arrows go by weeks and keep the practitioner
    assert f'href="/calendar/?day={DAY.isoformat()}"' in page
    assert f'href="/calendar/week?day={(MONDAY - timedelta(days=7)).isoformat()}&amp;practitioner={drwho.id}"' in page
    assert f'href="/calendar/week?day={(MONDAY + timedelta(days=7)).isoformat()}&amp;practitioner={drwho.id}"' in page
    assert f'href="/schedule/?practitioner={drwho.id}&amp;week={MONDAY.isoformat()}"' in page  # edit availability
    # the desk can switch to anyone
    assert 'data-testid="practitioner-picker"' in page and wilson.name in page


def test_any_day_of_the_week_shows_that_week(app, people, drwho):
    for day in (MONDAY, DAY, MONDAY + timedelta(days=6)):
        week = calendar_week.week_view(people["staff"], day, drwho.id)
        assert week is not None and week.day == MONDAY and week.last_day == MONDAY + timedelta(days=6)
        assert [c.day for c in week.columns] == [MONDAY + timedelta(days=n) for n in range(7)]


def test_a_practitioner_sees_their_own_week_whoever_is_asked_for(client, auth, people, drwho, wilson):
    mine = slot_at(drwho, DAY, time(10))
    slot_at(wilson, DAY, time(10))
    auth.login("drwho")
    for query in ("", f"&practitioner={wilson.id}", "&practitioner=junk"):
        page = text(client.get(f"{PAGE}?day={DAY.isoformat()}{query}"))
        assert page.count('data-testid="entry-') == 1 and f'data-testid="entry-{mine.id}"' in page
        assert wilson.name not in page and 'data-testid="practitioner-picker"' not in page


def test_the_desk_without_a_practitioner_gets_the_first(client, auth, people, drwho, wilson):
    auth.login("olive")
    page = text(client.get(PAGE))
    first = min((drwho, wilson), key=lambda p: p.name)
    assert f'<h1 class="h3 mb-0" data-testid="calendar-title">{first.name}</h1>' in page


def test_a_week_across_a_clock_change_keeps_every_slot_on_its_wall_clock_hour(client, auth, people, drwho):
    # NZ's clocks go back at 3 am on Sunday 5 April 2026: that Sunday is 25 hours
    monday = FALL_BACK - timedelta(days=6)
    before = slot_at(drwho, monday, time(9))
    after = slot_at(drwho, FALL_BACK, time(9))
    week = calendar_week.week_view(people["staff"], FALL_BACK, drwho.id)
    assert week.hours_long == 7 * 24 + 1
    auth.login("sam")
    page = text(client.get(f"{PAGE}?practitioner={drwho.id}&day={monday.isoformat()}"))
    assert f"cal-c2 cal-r{row_of(9, 0)}" in entry(page, before.id)
    assert f"cal-c8 cal-r{row_of(9, 0)}" in entry(page, after.id)


def test_the_current_time_is_a_line_in_todays_column(client, auth, people, drwho):
    wednesday_10am = local_to_utc(MONDAY + timedelta(days=2), time(10))
    with time_machine.travel(wednesday_10am, tick=False):
        auth.login("sam")
        page = text(client.get(f"{PAGE}?practitioner={drwho.id}"))
        assert f'class="cal-now cal-r{row_of(10, 0)} cal-s1 cal-c4"' in page
        assert 'aria-current="date"' in page and "this week" in page
        later = text(client.get(f"{PAGE}?practitioner={drwho.id}&day={(MONDAY + timedelta(days=7)).isoformat()}"))
        assert 'data-testid="now-line"' not in later


def test_htmx_gets_the_weeks_grid_alone_and_refreshes_the_week(client, auth, people, drwho):
    slot_at(drwho, DAY, time(9))
    auth.login("sam")
    grid = text(client.get(f"{PAGE}?practitioner={drwho.id}&day={DAY.isoformat()}", headers={"HX-Request": "true"}))
    assert "<html" not in grid and "cal-cols-7" in grid
    assert f'hx-get="/calendar/week?day={MONDAY.isoformat()}&amp;practitioner={drwho.id}"' in grid


def test_the_week_is_built_in_three_statements(app, people, drwho):
    from sqlalchemy import event

    from dashboard.extensions import db

    for n in range(7):
        for hour in range(8, 12):
            booked(slot_at(drwho, MONDAY + timedelta(days=n), time(hour)), make_patient(), AppointmentStatus.PENDING)
    user, practitioner_id = people["staff"], drwho.id
    assert user.role  # loaded before counting
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        week = calendar_week.week_view(user, DAY, practitioner_id)
        names = [e.appointment.patient_name for c in week.columns for e in c.entries if e.appointment]
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(names) == 28 and len(statements) == 3, "\n".join(s[:90] for s in statements)


def test_the_day_view_links_each_practitioner_to_their_week(client, auth, people, drwho):
    auth.login("sam")
    page = text(client.get(f"/calendar/?day={DAY.isoformat()}"))
    assert f'data-testid="week-link-{drwho.id}"' in page
    assert f'href="/calendar/week?day={DAY.isoformat()}"' in page  # the Week button
