"""A patient's page: number and date of birth, appointments, invoices and balance, waiting lists,
offers and emails; a statement per section, however many rows each has (no N+1)."""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import event, select

from dashboard.extensions import db
from dashboard.models import Invoice, Offer, Role
from dashboard.services import appointments, offers, waitlist
from dashboard.services import patients as patient_service
from dashboard.services.users import create_user
from tests.conftest import PASSWORD
from tests.factories import make_slot, practitioner_of

_invoices = iter(range(1, 1000))


def _invoice(patient_id: int, total: str, paid: str = "0") -> None:
    n = next(_invoices)
    status = "paid" if Decimal(paid) >= Decimal(total) else ("partially_paid" if Decimal(paid) else "unpaid")
    db.session.add(
        Invoice(
            number=f"INV-T{n:04d}", patient_id=patient_id, issued_on=date(2026, 11, n % 28 + 1),
            due_on=date(2026, 12, 28), subtotal=Decimal(total), total=Decimal(total), amount_paid=Decimal(paid),
            status=status,
        )
    )  # fmt: skip
    db.session.commit()


def _statements(client, path: str) -> tuple[int, str]:
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        page = client.get(path).get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return len(seen), page


def _practitioner(username: str):
    user = create_user(
        username=username, email=f"{username}@clinic.example.org", full_name=f"Dr {username.title()}",
        role=Role.PRACTITIONER, password=PASSWORD, specialty="Physiotherapy",
    )  # fmt: skip
    return practitioner_of(user)


def _more_of_everything(people, patient, practitioner, days: int) -> None:
    """An appointment (and its email), an invoice, a waiting-list entry and an offer (and its email)."""
    slot = make_slot(practitioner, starts_in=timedelta(days=days))
    appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=people["staff"])
    _invoice(patient.id, "85.00", "20.00")
    waitlist.add(practitioner.id, patient.id, by_user=people["staff"])
    offers.fan_out(practitioner.id, [make_slot(practitioner, starts_in=timedelta(days=days, hours=3)).id])


def test_every_section_in_a_bounded_number_of_statements(client, auth, people):
    patient = patient_service.create(
        first_name="Tāmati", last_name="Ngātiwai", email="tamati@patients.example.org", date_of_birth=date(1987, 12, 4)
    )
    auth.login("sam")
    path = f"/patients/{patient.id}"
    empty, page = _statements(client, path)
    assert "No invoices yet." in page and "Not on a waiting list." in page and "No times offered yet." in page

    _more_of_everything(people, patient, practitioner_of(people["practitioner"]), 3)
    once, page = _statements(client, path)
    for name in ["dr2", "dr3", "dr4"]:
        _more_of_everything(people, patient, _practitioner(name), 4)
    _invoice(patient.id, "40.00", "40.00")
    more, page = _statements(client, path)
    assert more == once, f"{once} statements with one of each, {more} with four"
    assert once <= 14

    assert patient.number in page and "4 Dec 1987" in page
    invoices = page.split('data-testid="patient-invoices"')[1].split("</section>")[0]
    assert "$260.00 owing" in invoices  # 4 × (85 − 20); the paid one owes nothing
    assert invoices.count("INV-T") == 5 and f"/billing/?patient={patient.id}" in invoices
    waiting = page.split('data-testid="patient-waiting"')[1].split("</section>")[0]
    assert waiting.count("/waitlist/?practitioner=") == 4 and "Dr Dr4" in waiting
    offered = page.split('data-testid="patient-offers"')[1].split("</section>")[0]
    assert offered.count("/offers/?slot=") == 4
    assert len(db.session.scalars(select(Offer).where(Offer.patient_id == patient.id)).all()) == 4
    emails = page.split('data-testid="patient-emails"')[1].split("</section>")[0]
    assert "Appointment confirmation" in emails and "The latest 5 shown" in emails
