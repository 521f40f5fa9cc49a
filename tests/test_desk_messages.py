"""Messages from the desk: to one patient or to a day's patients, now or later, previewed,
cancelled; the desk's words go as typed (escaped, line breaks kept, never evaluated)."""

import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from dashboard import patient_links
from dashboard.clinic_time import local_to_utc
from dashboard.extensions import db
from dashboard.models import AppointmentStatus, DeskMessage, EmailMessage, EmailStatus
from dashboard.models.base import utcnow
from dashboard.services import ServiceError, appointments, desk_messages
from tests.factories import make_patient, make_slot, next_weekday, practitioner_of

WORDS = "Kia ora,\r\n\r\nThe car park is closed {{ 7*7 }} <b>today</b>.\r\nPark on Quay St.\r\n\r\nNgā mihi 🌿"


@pytest.fixture
def desk(auth, people):
    auth.login("sam")
    return people["staff"]


def _linked_patient(text: str) -> int:
    """The patient whose own page the email's link opens (a signed token, timed to the second)."""
    (token,) = re.findall(r"/p/me/([\w.-]+)", text)
    return patient_links.read("patient", token)["p"]


def _desk_emails() -> list[EmailMessage]:
    db.session.expire_all()
    query = select(EmailMessage).where(EmailMessage.kind == "desk_message").order_by(EmailMessage.id)
    return list(db.session.scalars(query))


def _post(auth, **data):
    return auth.post("/messages/send", {"audience": "patient", "when": "now", "practitioner": "0", **data},
                     form_page="/messages/")  # fmt: skip


def _book(patient, practitioner, day, at=time(10, 0)):
    slot = make_slot(practitioner, starts_in=local_to_utc(day, at) - utcnow())
    return appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=practitioner.user).appointment


def test_a_message_to_one_patient_goes_now_as_typed(client, auth, desk):
    patient = make_patient("Aroha", "Ngātiwai")
    response = _post(auth, patient_id=patient.id, subject="Car park {{ 7*7 }} 🅿️", body=WORDS)
    assert response.status_code == 302
    assert "on its way" in client.get("/messages/").get_data(as_text=True)
    (email,) = _desk_emails()
    assert email.to_addrs == patient.email and email.patient_id == patient.id
    assert email.status == EmailStatus.QUEUED and email.next_attempt_at <= utcnow()
    assert email.subject == "Car park {{ 7*7 }} 🅿️"
    assert "The car park is closed {{ 7*7 }} <b>today</b>.\nPark on Quay St.\n\nNgā mihi 🌿" in email.text
    assert "The car park is closed {{ 7*7 }} &lt;b&gt;today&lt;/b&gt;.<br>Park on Quay St.</p>" in email.html
    assert "49" not in email.subject
    assert "Hello Aroha," in email.text and "Sam Person" in email.text
    assert _linked_patient(email.text) == patient.id  # their own page


def test_preview_shows_the_words_and_writes_nothing(client, auth, desk):
    patient = make_patient("Siobhán", "O'Brien")
    response = _post(auth, patient_id=patient.id, subject="Kia ora {{ 7*7 }}", body=WORDS, preview="1")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="email-preview"' in page
    assert "Kia ora {{ 7*7 }}" in page  # the subject, as typed
    assert "Siobhán" in page and patient.email in page
    assert "&#39;unsafe-inline&#39;" not in page and "unsafe-inline" in response.headers["Content-Security-Policy"]
    assert _desk_emails() == []
    assert db.session.scalar(select(func.count()).select_from(DeskMessage)) == 0
    assert "Write a message" in page and "Kia ora {{ 7*7 }}" in page  # the form again, with the words kept


def test_a_scheduled_message_waits_is_listed_and_can_be_cancelled(client, auth, desk):
    patient = make_patient("Mere 🌿", "Pōmare")
    day = next_weekday(2)
    response = _post(auth, patient_id=patient.id, subject="Flu jabs", body="From Monday.", when="later",
                     send_on=day.isoformat(), send_time="09:30")  # fmt: skip
    assert response.status_code == 302
    page = client.get("/messages/").get_data(as_text=True)
    assert "You can cancel it until then." in page and "Cancel this message" in page
    (email,) = _desk_emails()
    assert email.next_attempt_at == local_to_utc(day, time(9, 30))
    message = db.session.scalar(select(DeskMessage))
    assert message.recipients == 1 and message.send_at == email.next_attempt_at

    response = auth.post(f"/messages/{message.id}/cancel", form_page="/messages/")
    assert response.status_code == 302
    assert "1 email will not be sent." in client.get("/messages/").get_data(as_text=True)
    (email,) = _desk_emails()
    assert email.status == EmailStatus.CANCELLED
    db.session.expire_all()
    assert db.session.get(DeskMessage, message.id).status == "cancelled"
    auth.post(f"/messages/{message.id}/cancel", form_page="/messages/")
    assert "already cancelled" in client.get("/messages/").get_data(as_text=True)


def test_cancelling_after_it_went_is_refused(app, people):
    patient = make_patient("Zoë", "O'Brien")
    draft = desk_messages.Draft("Hello", "Words", patient_id=patient.id)
    message = desk_messages.send(draft, utcnow(), by_user=people["staff"])
    (email,) = _desk_emails()
    email.status = EmailStatus.SENT
    db.session.commit()
    with pytest.raises(ServiceError, match="already gone"):
        desk_messages.cancel(message.id, by_user=people["staff"])
    assert _desk_emails()[0].status == EmailStatus.SENT


def test_a_days_patients_get_one_email_each_with_their_own_link(client, auth, desk, people):
    practitioner = practitioner_of(people["practitioner"])
    day = next_weekday(3)
    aroha, hone, mere = (make_patient("Aroha", "Ngātiwai"), make_patient("Hōne", "O'Brien"),
                         make_patient("Mere", "Pōmare 🌿"))  # fmt: skip
    _book(aroha, practitioner, day, time(9, 0))
    _book(aroha, practitioner, day, time(11, 0))  # twice that day: one email
    _book(hone, practitioner, day, time(10, 0))
    gone = _book(mere, practitioner, day, time(14, 0))
    appointments.cancel(gone.id, reason="Away", by_user=desk)
    _book(make_patient("Other", "Day"), practitioner, day + timedelta(days=1))

    preview = _post(auth, audience="day", day=day.isoformat(), subject="Running late", body="About 20 minutes.",
                    preview="1").get_data(as_text=True)  # fmt: skip
    assert "2 patients would get this message" in preview
    assert _desk_emails() == []
    assert _post(auth, audience="day", day=day.isoformat(), practitioner=str(practitioner.id),
                 subject="Running late", body="About 20 minutes.").status_code == 302  # fmt: skip
    emails = _desk_emails()
    assert sorted(e.to_addrs for e in emails) == sorted([aroha.email, hone.email])
    for email, patient in zip(emails, sorted([aroha, hone], key=lambda p: p.id), strict=True):
        assert _linked_patient(email.text) == patient.id
        assert f"Hello {patient.first_name}," in email.text
    assert db.session.scalar(select(DeskMessage)).recipients == 2
    assert db.session.get(type(gone), gone.id).status == AppointmentStatus.CANCELLED


def test_refusals_say_what_to_do(client, auth, desk):
    patient = make_patient()
    cases = [
        ({"patient_id": "", "subject": "Hi", "body": "Words"}, "Choose a patient."),
        ({"patient_id": patient.id, "subject": " ", "body": "Words"}, "Give the message a subject."),
        ({"patient_id": patient.id, "subject": "Hi", "body": "  "}, "Write the message."),
        ({"audience": "day", "subject": "Hi", "body": "Words"}, "Choose the day"),
        ({"audience": "day", "day": next_weekday(4).isoformat(), "subject": "Hi", "body": "Words"}, "no patient"),
        ({"patient_id": patient.id, "subject": "Hi", "body": "Words", "when": "later"}, "Choose the day and time"),
        ({"patient_id": patient.id, "subject": "Hi", "body": "Words", "when": "later", "send_on": "2020-01-01",
          "send_time": "09:00"}, "Choose a time in the future"),
    ]  # fmt: skip
    for data, words in cases:
        response = _post(auth, **data)
        assert response.status_code == 400, data
        assert words in response.get_data(as_text=True), (data, words)
    assert _desk_emails() == []


def test_a_scheduled_time_the_clocks_skip_is_refused(app):
    with pytest.raises(ServiceError, match="clocks change"):
        # 2:30 am on Sunday 27 September 2027 does not happen in Auckland.
        desk_messages.send_time("later", date(2027, 9, 26), time(2, 30), now=local_to_utc(date(2027, 9, 1), time(9)))


def test_the_patients_page_links_to_writing_to_them(client, auth, desk):
    patient = make_patient("Hōne", "Ngātiwai")
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert f'href="/messages/?patient={patient.id}"' in page
    form = client.get(f"/messages/?patient={patient.id}").get_data(as_text=True)
    assert f'id="patient-{patient.id}" value="{patient.id}" checked' in form
