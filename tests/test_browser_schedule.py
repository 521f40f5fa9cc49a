"""Schedules and booking in a real browser: a practitioner adds slots, the desk books one, the bell shows it.

Two people at once, each in their own browser context, against one live server.
"""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from dashboard.clinic_time import clinic_today
from dashboard.extensions import db
from dashboard.models import Appointment, Role, Slot, SlotStatus
from dashboard.services.users import create_user
from tests.browser_helpers import (
    WORKING,
    choose_patient,
    held_posts,
    log_in,
    open_bell,
    press,
    press_watching,
    wait_for_bell_loaded,
)
from tests.conftest import PASSWORD
from tests.factories import make_patient, make_slot, next_weekday, practitioner_of
from tests.helpers import wait_for

pytest_plugins = ["tests.browser_support"]  # live_server, browser, new_page, page
pytestmark = pytest.mark.browser

HOME = re.compile(r"/home$")
APPOINTMENT = re.compile(r"/appointments/(\d+)$")
BOOKING = "/appointments/new"


# ------------------------------------------------------------------ helpers


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def day_words(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def slots_of(practitioner) -> list[Slot]:
    db.session.expire_all()  # the live server wrote them in its own sessions
    query = select(Slot).where(Slot.practitioner_id == practitioner.id).order_by(Slot.starts_at)
    return list(db.session.scalars(query))


def appointments_for(slot: Slot) -> list[Appointment]:
    db.session.expire_all()
    return list(db.session.scalars(select(Appointment).where(Appointment.slot_id == slot.id)))


# ------------------------------------------------------------------ tests


def test_practitioner_adds_slots_staff_book_one_and_the_bell_shows_it(app, new_page, people):
    patient = make_patient("Aroha", "Ngata")
    practitioner = practitioner_of(people["practitioner"])
    tuesday = next_weekday(1, app.config["CLINIC_TIMEZONE"])  # at least a day ahead: no slot is in the past
    thursday = tuesday + timedelta(days=2)

    # 1. The practitioner adds Tuesday and Thursday mornings from their own schedule page.
    doctor = new_page()
    log_in(doctor, "drwho")
    doctor.locator("#main-nav").get_by_role("link", name="My schedule", exact=True).click()
    expect(doctor.get_by_test_id("schedule-title")).to_have_text("My schedule")
    many = doctor.get_by_test_id("add-recurring-form")
    many.get_by_label("First date").fill(tuesday.isoformat())
    many.get_by_label("Weeks").fill("1")
    many.get_by_label("Tue", exact=True).check()
    many.get_by_label("Thu", exact=True).check()
    many.get_by_label("From").fill("09:00")
    many.get_by_label("Until").fill("10:00")
    many.get_by_label("Slot length (minutes)").fill("30")
    many.get_by_role("button", name="Add slots").click()

    expect(doctor.get_by_role("alert")).to_contain_text(
        f"Added 4 slots for {practitioner.name}, {day_words(tuesday)} – {day_words(thursday)}."
    )
    expect(doctor).to_have_url(re.compile(rf"/schedule/\?.*week={monday_of(tuesday).isoformat()}"))
    week_url = doctor.url
    expect(doctor.get_by_test_id("count-open")).to_have_text("4 open")
    expect(doctor.get_by_test_id("count-booked")).to_have_text("0 booked")
    slots = slots_of(practitioner)
    assert len(slots) == 4 and all(s.status == SlotStatus.OPEN for s in slots)
    for day in (tuesday, thursday):
        column = doctor.get_by_test_id(f"day-{day.isoformat()}")
        for times in ("9:00 am–9:30 am", "9:30 am–10:00 am"):
            slot = column.get_by_role("listitem").filter(has_text=times)
            expect(slot).to_have_count(1)
            expect(slot).to_contain_text("Open")
    # Nothing under the bell yet; from now on the practitioner's page must not reload.
    wait_for_bell_loaded(doctor)
    expect(doctor.get_by_test_id("bell-count")).to_be_hidden()
    navigations = []
    doctor.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == doctor.main_frame else None)

    # 2. The desk, in another browser, books Tuesday 09:00 for the patient.
    desk = new_page()
    log_in(desk, "sam")
    desk.locator("#main-nav").get_by_role("link", name="Schedules", exact=True).click()
    desk.get_by_label("Practitioner").select_option(label=practitioner.name)
    desk.get_by_role("button", name="Show", exact=True).click()
    expect(desk.get_by_test_id("schedule-title")).to_have_text(practitioner.name)
    if monday_of(tuesday) != monday_of(clinic_today()):
        desk.get_by_test_id("next-week").click()
    chosen = slots[0]  # Tuesday 09:00–09:30
    slot_item = desk.get_by_test_id(f"slot-{chosen.id}")
    expect(slot_item).to_contain_text("9:00 am–9:30 am")
    expect(desk.get_by_test_id(f"day-{tuesday.isoformat()}").get_by_test_id(f"slot-{chosen.id}")).to_have_count(1)
    slot_item.get_by_role("link", name="Book", exact=True).click()

    expect(desk.get_by_role("heading", level=1)).to_have_text("Book an appointment")
    expect(desk.get_by_test_id("chosen-slot")).to_contain_text(practitioner.name)
    choose_patient(desk, "Ngata", patient.name)
    desk.get_by_label("Reason").fill("Sore knee")
    expect(desk.get_by_label(re.compile(r"^Confirmed"))).to_be_checked()

    # The Book button shows it is working and turns disabled while the booking is on its way.
    with held_posts(app, BOOKING) as gate:
        assert press_watching(desk, "Book") == WORKING
        wait_for(gate.arrived.is_set, message="the booking's POST")
        gate.release.set()
        expect(desk).to_have_url(APPOINTMENT)
    assert gate.posts == 1

    expect(desk.get_by_role("heading", level=1)).to_contain_text(patient.name)
    expect(desk.get_by_test_id("status")).to_have_text("Confirmed")
    expect(desk.get_by_role("alert")).to_contain_text(f"Booked {patient.name} with {practitioner.name}")
    [appointment] = appointments_for(chosen)
    assert desk.url.endswith(f"/appointments/{appointment.id}")
    assert appointment.patient_id == patient.id and appointment.reason == "Sore knee"

    # 3. The practitioner's bell shows it without a reload (opening the bell refreshes it).
    open_bell(doctor)
    badge = doctor.get_by_test_id("bell-count")
    expect(badge).to_be_visible()
    expect(badge).to_have_text("1")
    menu = doctor.get_by_test_id("bell-menu")
    notice = menu.get_by_role("button", name=re.compile(rf"{re.escape(patient.name)} booked with"))
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text(practitioner.name)
    assert navigations == [], "the practitioner's page reloaded"

    with doctor.expect_navigation():
        notice.click()
    expect(doctor).to_have_url(re.compile(rf"/appointments/{appointment.id}$"))
    expect(doctor.get_by_role("heading", level=1)).to_contain_text(patient.name)
    expect(doctor.get_by_test_id("status")).to_have_text("Confirmed")
    expect(doctor.get_by_test_id("bell-count")).to_be_hidden()  # read by following it

    # The week, loaded again, shows the slot booked with the patient's name.
    doctor.goto(week_url)
    booked = doctor.get_by_test_id(f"slot-{chosen.id}")
    expect(booked).to_contain_text("Booked")
    expect(booked.get_by_role("link", name=re.compile(rf"^{re.escape(patient.name)}"))).to_be_visible()
    expect(booked).to_contain_text("Sore knee")
    expect(booked.get_by_role("link", name="Book", exact=True)).to_have_count(0)
    expect(doctor.get_by_test_id("count-open")).to_have_text("3 open")
    expect(doctor.get_by_test_id("count-booked")).to_have_text("1 booked")


def test_two_desks_book_the_same_slot_at_once(app, new_page, people):
    create_user(
        username="sue",
        email="sue@clinic.example.org",
        full_name="Sue Person",
        role=Role.STAFF,
        password=PASSWORD,
    )
    patient = make_patient("Aroha", "Ngata")
    practitioner = practitioner_of(people["practitioner"])
    wanted = make_slot(practitioner, starts_in=timedelta(days=2))
    others = [make_slot(practitioner, starts_in=timedelta(days=2, hours=hours)) for hours in (1, 2)]

    desks = []
    for username in ("sam", "sue"):
        desk = new_page()
        log_in(desk, username)
        desk.goto(f"{BOOKING}?slot={wanted.id}")
        expect(desk.get_by_test_id("chosen-slot")).to_contain_text(practitioner.name)
        choose_patient(desk, "Aroha", patient.name)
        desks.append(desk)

    # Both press Book; the server holds both requests until it has them both, then lets them race.
    with held_posts(app, BOOKING, expected=2) as gate:
        for desk in desks:
            press(desk, desk.get_by_role("button", name="Book", exact=True))
        wait_for(gate.arrived.is_set, message="both bookings' POSTs")
        gate.release.set()
        for desk in desks:
            expect(desk.get_by_test_id("status").or_(desk.get_by_test_id("alternatives"))).to_be_visible()
    assert gate.posts == 2

    winners = [desk for desk in desks if APPOINTMENT.search(desk.url)]
    losers = [desk for desk in desks if desk not in winners]
    assert len(winners) == 1 and len(losers) == 1, [desk.url for desk in desks]
    [winner], [loser] = winners, losers

    expect(winner.get_by_test_id("status")).to_have_text("Confirmed")
    expect(winner.get_by_role("heading", level=1)).to_contain_text(patient.name)

    expect(loser.get_by_role("alert")).to_contain_text("That time was just taken by someone else.")
    alternatives = loser.get_by_test_id("alternatives")
    expect(alternatives).to_contain_text(f"Other open times with {practitioner.name}")
    links = alternatives.get_by_role("link", name="Book this instead")
    expect(links).to_have_count(2)
    for link, slot in zip(links.all(), others, strict=True):
        expect(link).to_have_attribute("href", re.compile(rf"[?&]slot={slot.id}(&|$)"))

    [appointment] = appointments_for(wanted)
    assert winner.url.endswith(f"/appointments/{appointment.id}")
    assert db.session.scalar(select(func.count(Appointment.id))) == 1
    assert db.session.get(Slot, wanted.id).status == SlotStatus.BOOKED
