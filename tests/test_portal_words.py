"""The patients' pages' words: no status codes shown to patients, and their own page offers
"Book a new time" with the practitioners they see."""

import re

from dashboard import patient_links
from dashboard.extensions import db
from dashboard.models import Practitioner, Role
from dashboard.services import appointments
from dashboard.services.users import create_user
from tests.conftest import PASSWORD
from tests.factories import make_patient, make_slot, practitioner_of


def availability_links(html: str) -> list[str]:
    section = html[html.index('data-testid="book-new"') :]
    section = section[: section.index("</section>")]
    return re.findall(r'href="(/p/availability/[^"]+)"', section)


def test_their_page_offers_a_new_time_with_their_practitioner(client, people):
    mine = practitioner_of(people["practitioner"])
    create_user(
        username="dr.tane",
        email="tane@clinic.example.org",
        full_name="Dr Mikaere Tāne",
        role=Role.PRACTITIONER,
        password=PASSWORD,
        specialty="Physiotherapy",
    )
    patient = make_patient("Mere", "Pōmare")
    appointments.book(patient_id=patient.id, slot_id=make_slot(mine).id, by_user=people["staff"])

    page = client.get(f"/p/me/{patient_links.token('patient', p=patient.id)}").get_data(as_text=True)
    assert "Book a new time" in page
    (link,) = availability_links(page)  # only the practitioner they see
    assert patient_links.read("availability", link.rsplit("/", 1)[1]) == {"p": patient.id, "r": mine.id}
    assert client.get(link).status_code == 200

    newcomer = make_patient("Siobhán", "O'Brien 🌿")  # seen by nobody yet: everyone active
    page = client.get(f"/p/me/{patient_links.token('patient', p=newcomer.id)}").get_data(as_text=True)
    assert len(availability_links(page)) == db.session.query(Practitioner).filter_by(active=True).count() == 2


def test_patients_see_no_status_codes(client, people):
    for path in ["/p/me/not-a-token", "/p/appointment/x.y.z", "/p/nowhere"]:
        response = client.get(path)
        assert response.status_code in (400, 404)
        assert not re.search(r"Error \d{3}|\(\d{3}\)", response.get_data(as_text=True)), path
