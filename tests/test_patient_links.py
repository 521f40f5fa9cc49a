"""Patients' pages behind the signed links in their emails: they act without logging in.

Offers are made with the real services (a waiting list, a slot, `offers.fan_out`) and the links are
read from the emails written to the outbox, as a patient gets them.
"""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import func, select

from dashboard import patient_links
from dashboard.clinic_time import clinic_datetime
from dashboard.extensions import db
from dashboard.models import (
    Appointment,
    AppointmentStatus,
    EmailMessage,
    Notification,
    OfferStatus,
    PatientEmailPreference,
    PatientMessage,
    SlotStatus,
)
from dashboard.models.base import utcnow
from dashboard.services import appointments, offers, slots, waitlist
from tests.conftest import CSRF_INPUT, csrf_token
from tests.factories import make_patient, make_slot, practitioner_of

LINK = re.compile(r"http://clinic\.test(/p/[^\s\"<>]+)")
SIGNED_PAGES = [
    ("GET", "/p/appointment/{t}"),
    ("GET", "/p/appointment/{t}/cancel"),
    ("GET", "/p/appointment/{t}/reschedule"),
    ("GET", "/p/me/{t}"),
    ("GET", "/p/preferences/{t}"),
    ("GET", "/p/unsubscribe/{t}"),
    ("POST", "/p/unsubscribe/{t}"),
    ("GET", "/p/book/{t}/1"),
    ("POST", "/p/book/{t}/1/waitlist"),
    ("GET", "/p/availability/{t}"),
]


# ------------------------------------------------------------------ helpers


def emails(kind: str, patient=None) -> list[EmailMessage]:
    db.session.expire_all()
    query = select(EmailMessage).where(EmailMessage.kind == kind).order_by(EmailMessage.id)
    if patient is not None:
        query = query.where(EmailMessage.patient_id == patient.id)
    return list(db.session.scalars(query))


def links(email: EmailMessage, prefix: str) -> list[str]:
    return [path for path in LINK.findall(email.text) if path.startswith(prefix)]


def book_link(patient, slot) -> str:
    [email] = emails("new_availability", patient)[-1:]
    [path] = [p for p in links(email, "/p/book/") if p.endswith(f"/{slot.id}")]
    return path


def token_of(path: str) -> str:
    return path.split("/")[3]


def session_csrf(client) -> str:
    """The session's CSRF token, from any form (the login page's): for pages that no longer show one."""
    return csrf_token(client)


def csrf_from(client, path: str) -> str:
    page = client.get(path)
    match = CSRF_INPUT.search(page.get_data(as_text=True))
    assert match, f"no form on {path} ({page.status_code})"
    return match.group(1) or match.group(2)


def submit(client, path: str, data: dict | None = None, form_page: str | None = None):
    """POST as the patient's browser would: with the CSRF token from the page's form."""
    return client.post(path, data={"csrf_token": csrf_from(client, form_page or path), **(data or {})})


def text(response) -> str:
    return response.get_data(as_text=True)


def title(response) -> str:
    match = re.search(r'data-testid="notice-title">([^<]*)<', text(response))
    return match.group(1).replace("&#39;", "'") if match else ""


def linked(body: str, purpose: str) -> list[dict]:
    """The ids of the `purpose` links on a page (their tokens differ by the second they were made)."""
    return [patient_links.read(purpose, t) for t in re.findall(rf'href="/p/{purpose}/([^/"]+)"', body)]


def manage_links(appointment) -> dict[str, str]:
    return {
        k: v.removeprefix("http://clinic.test")
        for k, v in patient_links.for_appointment(appointment.id, appointment.patient_id).items()
    }


@pytest.fixture
def offered(app, people):
    """Ana and Ben on drwho's waiting list, offered a new slot (and another open time) by the fan-out."""
    practitioner = practitioner_of(people["practitioner"])
    ana, ben = make_patient("Ana"), make_patient("Ben")
    for patient in (ana, ben):
        waitlist.add(practitioner.id, patient.id, by_user=people["staff"])
    later = make_slot(practitioner, starts_in=timedelta(days=5))
    slot = make_slot(practitioner)
    offers.fan_out(practitioner.id, [slot.id])
    return SimpleNamespace(practitioner=practitioner, ana=ana, ben=ben, slot=slot, later=later, staff=people["staff"])


@pytest.fixture
def booked(app, people):
    """An appointment of Ana's, booked by the desk (its confirmation email carries the links)."""
    practitioner = practitioner_of(people["practitioner"])
    ana = make_patient("Ana")
    appointment = appointments.book(
        patient_id=ana.id, slot_id=make_slot(practitioner).id, by_user=people["staff"]
    ).appointment
    return SimpleNamespace(appointment=appointment, patient=ana, practitioner=practitioner, people=people)


# ------------------------------------------------------------------ booking an offered time


def test_a_book_link_shows_the_offer_and_books_it(client, offered):
    path = book_link(offered.ana, offered.slot)
    page = client.get(path)
    assert page.status_code == 200
    body = text(page)
    assert "Book this time" in body and "Not for me" in body
    assert offered.practitioner.name in body and "General practice" in body and "Consultation fee" in body
    assert "Log out" not in body and 'id="bell"' not in body  # no staff navigation
    assert "+64 9 555 0100" in body

    response = submit(client, path)
    assert response.status_code == 200
    assert title(response) == "You're booked"
    appointment = db.session.scalar(select(Appointment).where(Appointment.patient_id == offered.ana.id))
    assert appointment.slot_id == offered.slot.id
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert len(emails("appointment_confirmation", offered.ana)) == 1
    assert "12 Quay Street" in text(response)
    assert "/p/me/" in text(response) and "/p/appointment/" in text(response)


def test_posting_twice_says_already_booked(client, offered):
    path = book_link(offered.ana, offered.slot)
    assert submit(client, path).status_code == 200
    again = client.post(path, data={"csrf_token": session_csrf(client)})
    assert again.status_code == 200
    assert title(again) == "You already booked this time"
    assert db.session.scalar(select(func.count(Appointment.id))) == 1
    assert len(emails("appointment_confirmation", offered.ana)) == 1
    # Opening the link again afterwards says the same.
    assert title(client.get(path)) == "You already booked this time"


def test_the_second_patient_gets_409_with_other_times_to_book(client, offered):
    submit(client, book_link(offered.ana, offered.slot))
    ben_path = book_link(offered.ben, offered.slot)
    response = client.post(ben_path, data={"csrf_token": session_csrf(client)})
    assert response.status_code == 409
    assert title(response) == "This time was just taken"
    later_path = f"/p/book/{token_of(ben_path)}/{offered.later.id}"
    assert later_path in text(response)

    booked = submit(client, later_path)
    assert booked.status_code == 200 and title(booked) == "You're booked"
    appointment = db.session.scalar(select(Appointment).where(Appointment.patient_id == offered.ben.id))
    assert appointment.slot_id == offered.later.id


def test_no_other_times_means_call_us(client, app, people):
    practitioner = practitioner_of(people["practitioner"])
    ana, ben = make_patient("Ana"), make_patient("Ben")
    for patient in (ana, ben):
        waitlist.add(practitioner.id, patient.id, by_user=people["staff"])
    slot = make_slot(practitioner)
    offers.fan_out(practitioner.id, [slot.id])
    ana_path, ben_path = book_link(ana, slot), book_link(ben, slot)
    form = csrf_from(client, ben_path)
    submit(client, ana_path)
    # Ben saw the page while it was open and presses the button after Ana booked.
    response = client.post(ben_path, data={"csrf_token": form})
    assert response.status_code == 409
    assert 'data-testid="no-alternatives"' in text(response)
    assert "+64 9 555 0100" in text(response)
    # Opening his link later: taken, nothing else open, and a way to hear of the next time.
    later = client.get(ben_path)
    assert later.status_code == 409 and title(later) == "This time has been taken"
    assert 'data-testid="no-alternatives"' in text(later) and 'data-testid="keep-waiting"' in text(later)


def test_not_for_me_declines_once(client, offered):
    path = book_link(offered.ana, offered.slot)
    response = submit(client, f"{path}/decline", form_page=path)
    assert response.status_code == 200
    assert title(response) == "Thanks, we'll offer it to someone else"
    assert offers.offer_for(offered.ana.id, offered.slot.id).status == OfferStatus.DECLINED
    again = client.post(f"{path}/decline", data={"csrf_token": session_csrf(client)})
    assert again.status_code == 200 and title(again) == "You've already told us"
    assert client.get(path).status_code == 409


def test_a_slot_blocked_since_is_refused_kindly(client, offered):
    path = book_link(offered.ana, offered.slot)
    form = csrf_from(client, path)
    slots.block_slot(offered.slot.id, offered.staff)
    page = client.get(path)
    assert page.status_code == 409 and title(page) == "This time is no longer available"
    response = client.post(path, data={"csrf_token": form})
    assert response.status_code == 409 and title(response) == "This time is no longer available"
    assert db.session.scalar(select(func.count(Appointment.id))) == 0
    assert db.session.get(type(offered.slot), offered.slot.id).status == SlotStatus.BLOCKED


def test_the_availability_link_lists_open_times_to_book(client, offered):
    [more] = links(emails("new_availability", offered.ana)[-1], "/p/availability/")
    extra = [make_slot(offered.practitioner, starts_in=timedelta(days=10 + n)) for n in range(12)]
    page = client.get(more)
    assert page.status_code == 200
    # The page signs its own booking links (a token made a second later differs): each is Ana's.
    found = re.findall(r"/p/book/([\w.-]+)/(\d+)", text(page))
    assert {patient_links.read("book", token)["p"] for token, _ in found} == {offered.ana.id}
    shown = [slot_id for _, slot_id in found]
    assert len(shown) == 10
    assert int(shown[0]) == offered.slot.id
    book_token = dict((slot_id, token) for token, slot_id in found)[str(extra[0].id)]
    chosen = f"/p/book/{book_token}/{extra[0].id}"
    assert title(submit(client, chosen)) == "You're booked"


@pytest.mark.config(OFFER_MODE="one_at_a_time")
def test_one_at_a_time_the_page_says_until_when_it_is_held(client, app, people):
    practitioner = practitioner_of(people["practitioner"])
    ana, ben = make_patient("Ana"), make_patient("Ben")
    for patient in (ana, ben):
        waitlist.add(practitioner.id, patient.id, by_user=people["staff"])
    slot = make_slot(practitioner)
    offers.fan_out(practitioner.id, [slot.id])
    page = client.get(book_link(ana, slot))
    assert page.status_code == 200 and 'data-testid="held"' in text(page)
    held = offers.offer_for(ana.id, slot.id)
    assert held.status == OfferStatus.HELD
    assert f"until {clinic_datetime(held.expires_at)}" in text(page)
    # Ben is next in line: not his turn yet.
    ben_path = f"/p/book/{patient_links.token('book', p=ben.id)}/{slot.id}"
    waiting = client.get(ben_path)
    assert waiting.status_code == 409 and title(waiting) == "This time is held for someone else"
    refused = client.post(ben_path, data={"csrf_token": session_csrf(client)})
    assert refused.status_code == 409 and title(refused) == "This time is held for someone else"
    # Ana says no: the hold passes to Ben, whose link now works.
    submit(client, f"{book_link(ana, slot)}/decline", form_page=book_link(ana, slot))
    assert title(submit(client, book_link(ben, slot))) == "You're booked"


def test_staff_signed_in_see_no_staff_navigation_on_patient_pages(client, auth, booked):
    auth.login(booked.people["staff"].username)
    page = client.get(manage_links(booked.appointment)["manage_url"])
    assert page.status_code == 200
    assert "Log out" not in text(page) and 'id="bell"' not in text(page)


# ------------------------------------------------------------------ links that don't work


def test_a_tampered_link_is_400_with_a_way_forward(client, offered):
    path = book_link(offered.ana, offered.slot)
    token = token_of(path)
    swapped = token[:3] + ("A" if token[3] != "A" else "B") + token[4:]
    response = client.get(path.replace(token, swapped))
    assert response.status_code == 400
    assert title(response) == "This link isn't valid"
    assert "+64 9 555 0100" in text(response)
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_an_expired_link_is_410(client, offered):
    path = book_link(offered.ana, offered.slot)
    with time_machine.travel(utcnow() + patient_links.LIFETIMES["book"] + timedelta(hours=1), tick=False):
        response = client.get(path)
    assert response.status_code == 410
    assert title(response) == "This link has expired"


def test_a_link_for_another_page_is_400(client, booked, offered):
    cancel_token = token_of(manage_links(booked.appointment)["cancel_url"])
    assert client.get(f"/p/book/{cancel_token}/{offered.slot.id}").status_code == 400
    book_token = token_of(book_link(offered.ana, offered.slot))
    assert client.get(f"/p/appointment/{book_token}").status_code == 400
    assert client.get(f"/p/unsubscribe/{book_token}").status_code == 400


@pytest.mark.parametrize("method,path", SIGNED_PAGES)
def test_junk_tokens_answer_400_not_500(client, method, path):
    response = client.open(path.format(t="not-a-token"), method=method)
    assert response.status_code == 400
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_links_to_rows_that_dont_exist_are_404(client, booked, offered):
    ana = booked.patient
    gone_patient = patient_links.token("patient", p=10**6)
    assert client.get(f"/p/me/{gone_patient}").status_code == 404
    missing = client.get(f"/p/appointment/{patient_links.token('appointment', a=10**6, p=ana.id)}")
    assert missing.status_code == 404
    assert "/p/me/" in text(missing)  # a way forward: their own page
    # An appointment of someone else's is as missing as one that doesn't exist.
    other = make_patient("Other")
    assert (
        client.get(
            f"/p/appointment/{patient_links.token('appointment', a=booked.appointment.id, p=other.id)}"
        ).status_code
        == 404
    )
    # A time never offered to them, and ids no database has.
    token = token_of(book_link(offered.ana, offered.slot))
    assert client.get(f"/p/book/{token}/{10**6}").status_code == 404
    assert client.get(f"/p/book/{token}/{10**30}").status_code == 404


# ------------------------------------------------------------------ an appointment


def test_the_manage_page_confirms_a_requested_appointment(client, people):
    practitioner = practitioner_of(people["practitioner"])
    ana = make_patient("Ana")
    appointment = appointments.book(
        patient_id=ana.id, slot_id=make_slot(practitioner).id, by_user=people["staff"], confirmed=False
    ).appointment
    manage = manage_links(appointment)["manage_url"]
    page = client.get(manage)
    assert page.status_code == 200 and "Confirm this appointment" in text(page)
    response = submit(client, f"{manage}/confirm", form_page=manage)
    assert response.status_code == 200 and title(response) == "Thank you, your appointment is confirmed"
    db.session.refresh(appointment)
    assert appointment.status == AppointmentStatus.CONFIRMED
    again = client.post(f"{manage}/confirm", data={"csrf_token": session_csrf(client)})
    assert again.status_code == 200 and title(again) == "You've already told us you're coming"


def test_cancelling_from_the_link(client, booked):
    [cancel] = links(emails("appointment_confirmation", booked.patient)[-1], "/p/appointment/")[2:3]
    assert cancel.endswith("/cancel")
    form = client.get(cancel)
    assert form.status_code == 200

    missing_reason = submit(client, cancel, {"reason": "  "})
    assert missing_reason.status_code == 400
    assert "Please tell us why you are cancelling." in text(missing_reason)
    db.session.refresh(booked.appointment)
    assert booked.appointment.status == AppointmentStatus.CONFIRMED

    response = submit(client, cancel, {"reason": "Feeling better"})
    assert response.status_code == 200 and title(response) == "Your appointment is cancelled"
    # A way to book again from the same page.
    assert linked(text(response), "availability") == [{"p": booked.patient.id, "r": booked.practitioner.id}]
    assert ">Book again</a>" in text(response)
    db.session.refresh(booked.appointment)
    assert booked.appointment.status == AppointmentStatus.CANCELLED
    assert booked.appointment.cancelled_by == f"{booked.patient.name} (online)"
    assert booked.appointment.cancel_reason == "Feeling better"
    assert len(emails("appointment_cancelled", booked.patient)) == 1
    bells = db.session.scalars(select(Notification).where(Notification.kind == "patient_action")).all()
    desk_and_practitioner = {booked.people[role].id for role in ("owner", "staff", "practitioner")}
    assert {n.user_id for n in bells} == desk_and_practitioner
    assert all(n.title == f"{booked.patient.name} cancelled online: Feeling better" for n in bells)
    assert all(n.link == f"/appointments/{booked.appointment.id}" for n in bells)

    # Twice: a friendly page, nothing sent again.
    again_page = client.get(cancel)
    assert again_page.status_code == 200 and title(again_page) == "This appointment is already cancelled"
    again = client.post(cancel, data={"csrf_token": session_csrf(client), "reason": "x"})
    assert again.status_code == 200 and title(again) == "This appointment is already cancelled"
    assert len(emails("appointment_cancelled", booked.patient)) == 1


def test_asking_to_move_from_the_link(client, booked):
    reschedule = manage_links(booked.appointment)["reschedule_url"]
    response = submit(client, reschedule, {"note": "Mornings next week"})
    assert response.status_code == 200 and title(response) == "We've asked the clinic"
    [request] = appointments.pending_requests()
    assert request.appointment_id == booked.appointment.id
    assert request.source == "link" and request.note == "Mornings next week"
    bells = db.session.scalars(select(Notification).where(Notification.kind == "patient_action")).all()
    assert {n.user_id for n in bells} == {booked.people[role].id for role in ("owner", "staff", "practitioner")}

    manage = client.get(manage_links(booked.appointment)["manage_url"])
    assert 'data-testid="pending-request"' in text(manage) and "Mornings next week" in text(manage)
    again = client.get(reschedule)
    assert again.status_code == 200 and title(again) == "You've already asked to move this appointment"
    assert len(appointments.pending_requests()) == 1


def test_a_past_appointment_cant_be_changed_online(client, booked):
    links_ = manage_links(booked.appointment)
    with time_machine.travel(booked.appointment.starts_at + timedelta(minutes=5), tick=False):
        assert client.get(links_["manage_url"]).status_code == 200
        cancel = client.get(links_["cancel_url"])
        assert cancel.status_code == 409 and title(cancel) == "This appointment has passed"
        assert client.get(links_["reschedule_url"]).status_code == 409
    db.session.refresh(booked.appointment)
    assert booked.appointment.status == AppointmentStatus.CONFIRMED


# ------------------------------------------------------------------ the patient's page


def test_the_patients_page_shows_appointments_messages_and_offers(client, offered, people):
    appointment = appointments.book(
        patient_id=offered.ana.id,
        slot_id=make_slot(offered.practitioner, starts_in=timedelta(days=20)).id,
        by_user=people["staff"],
    ).appointment
    [page_link] = [manage_links(appointment)["patient_url"]]
    page = client.get(page_link)
    assert page.status_code == 200
    body = text(page)
    assert linked(body, "appointment") == [{"a": appointment.id, "p": offered.ana.id}]
    assert f"{offered.practitioner.name} has" in body  # the fan-out's message
    assert re.findall(r"/p/book/[^/\"]+/(\d+)", body) == [str(offered.slot.id), str(offered.later.id)]
    assert "/p/preferences/" in body
    unread = select(func.count(PatientMessage.id)).where(
        PatientMessage.patient_id == offered.ana.id, PatientMessage.read_at.is_(None)
    )
    assert db.session.scalar(unread) == 0


def test_names_are_escaped(client, app, people):
    practitioner = practitioner_of(people["practitioner"])
    patient = make_patient("<script>alert(1)</script>", last_name="<b>Bold</b>")
    waitlist.add(practitioner.id, patient.id, by_user=people["staff"])
    slot = make_slot(practitioner)
    offers.fan_out(practitioner.id, [slot.id])
    page = client.get(f"/p/me/{patient_links.token('patient', p=patient.id)}")
    assert page.status_code == 200
    assert "<script>alert" not in text(page) and "&lt;script&gt;alert(1)&lt;/script&gt;" in text(page)
    booked = submit(client, book_link(patient, slot))
    assert booked.status_code == 200
    assert "<b>Bold</b>" not in text(booked)


# ------------------------------------------------------------------ emails: preferences and unsubscribing


def prefs(patient) -> dict[str, bool]:
    db.session.expire_all()
    rows = db.session.scalars(select(PatientEmailPreference).where(PatientEmailPreference.patient_id == patient.id))
    return {r.kind: r.email for r in rows}


def test_preferences_are_saved(client, offered):
    [path] = links(emails("new_availability", offered.ana)[-1], "/p/preferences/")
    page = client.get(path)
    assert page.status_code == 200
    for label in ("Appointment reminder emails", "Payment reminder emails", "New availability emails"):
        assert label in text(page)
    response = submit(client, path, {"appointment_reminder": "y"})
    assert response.status_code == 302
    saved = client.get(response.headers["Location"])
    assert 'data-testid="saved"' in text(saved)
    assert prefs(offered.ana) == {"appointment_reminder": True, "payment_reminder": False, "new_availability": False}


def test_unsubscribing_get_changes_nothing_post_does(client, offered):
    [path] = links(emails("new_availability", offered.ana)[-1], "/p/unsubscribe/")
    page = client.get(path)
    assert page.status_code == 200 and "Unsubscribe from new availability emails" in text(page)
    assert prefs(offered.ana) == {}
    response = submit(client, path)
    assert response.status_code == 200
    assert title(response) == "You're unsubscribed from new availability emails"
    assert "/p/preferences/" in text(response)
    assert prefs(offered.ana) == {"new_availability": False}

    # The next new time goes to Ben, not Ana.
    before = len(emails("new_availability", offered.ana))
    slot = make_slot(offered.practitioner, starts_in=timedelta(days=8))
    offers.fan_out(offered.practitioner.id, [slot.id])
    assert len(emails("new_availability", offered.ana)) == before
    assert any(p.endswith(f"/{slot.id}") for p in links(emails("new_availability", offered.ben)[-1], "/p/book/"))


def test_one_click_unsubscribe_needs_no_csrf_token(client, offered):
    [email] = emails("new_availability", offered.ana)
    assert email.list_unsubscribe.startswith("http://clinic.test/p/unsubscribe/")
    path = email.list_unsubscribe.removeprefix("http://clinic.test")
    # A POST without the one-click body and without a token changes nothing.
    refused = client.post(path, data={})
    assert refused.status_code == 400
    assert prefs(offered.ana) == {}
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert prefs(offered.ana) == {"new_availability": False}
    # Other patient pages still want their token.
    assert client.post(f"{book_link(offered.ben, offered.slot)}", data={}).status_code == 400


def test_unsubscribe_links_only_for_optional_kinds(client, offered):
    for kind in ("appointment_confirmation", "bogus", 7):
        token = patient_links.token("unsubscribe", p=offered.ana.id, k=kind)
        assert client.get(f"/p/unsubscribe/{token}").status_code == 400
        assert client.post(f"/p/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 400
    assert prefs(offered.ana) == {}


def test_every_patient_page_sends_no_referrer(client, booked):
    ana = booked.patient
    pages = [
        *manage_links(booked.appointment).values(),
        f"/p/preferences/{patient_links.token('preferences', p=ana.id)}",
        f"/p/unsubscribe/{patient_links.token('unsubscribe', p=ana.id, k='appointment_reminder')}",
        f"/p/availability/{patient_links.token('availability', p=ana.id, r=booked.practitioner.id)}",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Referrer-Policy"] == "no-referrer", path
        assert "no-store" in response.headers["Cache-Control"]


def test_tokens_are_itsdangerous_own_and_read_back(app):
    """The quicker signing (no zlib attempt on short payloads, the derived key kept) writes the
    very tokens itsdangerous writes, and reads tokens itsdangerous wrote, compressed ones too."""
    from itsdangerous import URLSafeTimedSerializer

    with time_machine.travel("2026-12-01 23:30:00+00:00", tick=False):
        for purpose, ids in [("book", {"p": 4217}), ("unsubscribe", {"p": 12, "k": "new_availability"}),
                             ("appointment", {"a": 2**62, "p": 2**61})]:  # fmt: skip
            reference = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=f"patient-link:{purpose}")
            assert patient_links.token(purpose, **ids) == reference.dumps(ids)
        long_ids = {"p": 1, "k": "x" * 200}  # long enough for itsdangerous to compress it
        compressed = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="patient-link:book").dumps(long_ids)
        assert compressed.startswith(".") and patient_links.read("book", compressed) == long_ids


@pytest.mark.parametrize(
    "ids", [{"p": 1}, {"a": 2**62, "p": 0}, {"p": 5, "k": "new_availability"}, {"k": 'q"uo\\te\n é 🌿'}, {"p": -3}]
)
def test_a_links_payload_is_the_json_itsdangerous_writes(ids):
    from itsdangerous._json import _CompactJSON as Theirs

    from dashboard.patient_links import _CompactJSON as Ours

    assert Ours.dumps(ids) == Theirs.dumps(ids)
