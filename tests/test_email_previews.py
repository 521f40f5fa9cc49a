"""'Preview email' on the forms where staff's own words go to a patient: cancelling with a reason
and declining a move (the void form and desk messages are tested with their pages). The preview
is the email the action would write, rendered by the same path with the typed words; nothing is
written, changed or queued, and pressing the form's own button afterwards does it."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import Appointment, AppointmentStatus, EmailMessage, RequestStatus, RescheduleRequest
from dashboard.services import appointments
from tests.factories import make_patient, make_slot, practitioner_of

REASON = "Dr Pōmare is away at a hui <Ōrākei> {{ 7*7 }}"


@pytest.fixture
def desk(auth, people):
    auth.login("sam")
    return people["staff"]


def _emails() -> int:
    return db.session.scalar(select(func.count()).select_from(EmailMessage))


def _booked(people, desk) -> Appointment:
    patient = make_patient("Siobhán", "O'Brien 🌿")
    slot = make_slot(practitioner_of(people["practitioner"]), starts_in=timedelta(days=3))
    return appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=desk).appointment


def _preview_section(page: str) -> str:
    return page.split('data-testid="email-preview"', 1)[1].split("</section>", 1)[0]


def test_previewing_a_cancellation_shows_the_email_and_changes_nothing(client, auth, desk, people):
    appointment = _booked(people, desk)
    before = _emails()
    path = f"/appointments/{appointment.id}"
    response = auth.post(f"{path}/cancel", {"reason": REASON, "preview": "1"}, form_page=path)
    assert response.status_code == 200
    shown = _preview_section(response.get_data(as_text=True))
    assert "Your appointment on" in shown and "is cancelled" in shown  # the subject
    assert appointment.patient.email in shown
    # The reason, escaped in the email and once more in the frame's srcdoc; as typed in the text part.
    assert "Dr Pōmare is away at a hui &amp;lt;Ōrākei&amp;gt; {{ 7*7 }}" in shown
    assert "Dr Pōmare is away at a hui &lt;Ōrākei&gt; {{ 7*7 }}" in shown.split('data-testid="preview-text"')[1]
    assert "Sam Person at the clinic" in shown
    assert _emails() == before
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status == AppointmentStatus.CONFIRMED
    # The form keeps the words, ready to confirm.
    assert "away at a hui &lt;Ōrākei&gt; {{ 7*7 }}</textarea>" in response.get_data(as_text=True)

    assert auth.post(f"{path}/cancel", {"reason": REASON}, form_page=path).status_code == 302
    db.session.expire_all()
    sent = db.session.scalar(select(EmailMessage).where(EmailMessage.kind == "appointment_cancelled"))
    assert REASON in sent.text


def test_a_preview_without_a_reason_is_refused(client, auth, desk, people):
    appointment = _booked(people, desk)
    path = f"/appointments/{appointment.id}"
    response = auth.post(f"{path}/cancel", {"reason": "", "preview": "1"}, form_page=path, follow_redirects=True)
    assert "Give a reason" in response.get_data(as_text=True)
    assert 'data-testid="email-preview"' not in response.get_data(as_text=True)


def test_previewing_a_declined_move_shows_the_email_and_changes_nothing(client, auth, desk, people):
    appointment = _booked(people, desk)
    request = appointments.request_reschedule(appointment.id, note="Mornings", by_user=desk)
    before = _emails()
    reason = "No mornings free until Matariki 🌟 — sorry, Siobhán."
    response = auth.post(f"/appointments/requests/{request.id}/reject", {"reason": reason, "preview": "1"},
                         form_page="/appointments/requests")  # fmt: skip
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    shown = _preview_section(page)
    assert "About your request to reschedule" in shown
    assert reason in shown.split('data-testid="preview-text"')[1]
    assert f">{reason}</textarea>" in page
    assert _emails() == before
    db.session.expire_all()
    assert db.session.get(RescheduleRequest, request.id).status == RequestStatus.PENDING

    response = auth.post(f"/appointments/requests/{request.id}/reject", {"reason": reason},
                         form_page="/appointments/requests")  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    sent = db.session.scalar(select(EmailMessage).where(EmailMessage.kind == "reschedule_rejected"))
    assert reason in sent.text
