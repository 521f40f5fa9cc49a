"""The patient pages: find, add, edit, and one patient's appointments."""

from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import Patient
from dashboard.services import appointments
from tests.factories import make_patient, make_slot, practitioner_of


def test_desk_adds_a_patient_and_edits_them(client, auth, people):
    auth.login("sam")
    response = auth.post(
        "/patients/new",
        {"first_name": " Hemi ", "last_name": "Walker", "email": "Hemi@Example.ORG", "phone": "021 555"},
        form_page="/patients/new",
    )
    assert response.status_code == 302
    patient = db.session.scalar(select(Patient))
    assert (patient.first_name, patient.last_name, patient.email) == ("Hemi", "Walker", "Hemi@example.org")
    assert response.headers["Location"] == f"/patients/{patient.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Hemi Walker added." in page and f"/appointments/new?patient={patient.id}" in page

    edit = f"/patients/{patient.id}/edit"
    assert 'value="Walker"' in client.get(edit).get_data(as_text=True)
    data = {"first_name": "Hemi", "last_name": "Walker-Smith", "email": "", "phone": ""}
    response = auth.post(edit, data, form_page=edit)
    assert response.status_code == 302
    db.session.refresh(patient)
    assert patient.last_name == "Walker-Smith" and patient.email is None and patient.phone is None


def test_a_bad_email_is_refused_with_a_clear_message(client, auth, people):
    auth.login("sam")
    response = auth.post(
        "/patients/new",
        {"first_name": "Bad", "last_name": "Email", "email": "not-an-address@"},
        form_page="/patients/new",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "That email address is not valid" in page
    assert 'value="Bad"' in page  # what they typed is kept
    assert db.session.scalar(select(Patient)) is None

    patient = make_patient("Kept", "Address")
    edit = f"/patients/{patient.id}/edit"
    response = auth.post(edit, {"first_name": "Kept", "last_name": "Address", "email": "a@@b"}, form_page=edit)
    assert response.status_code == 400
    assert "That email address is not valid" in response.get_data(as_text=True)
    db.session.refresh(patient)
    assert "@patients.example.org" in patient.email


def test_names_are_required(client, auth, people):
    auth.login("olive")
    response = auth.post("/patients/new", {"first_name": "", "last_name": ""}, form_page="/patients/new")
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)


def test_search_and_pagination(client, auth, people):
    for n in range(27):
        make_patient("Many", f"Zz{n:02d}")
    make_patient("Unique", "Findme", email="unique@example.org")
    auth.login("sam")
    found = client.get("/patients/?q=FINDME").get_data(as_text=True)
    assert found.count('data-testid="patient-row"') == 1 and "Unique" in found
    assert client.get("/patients/?q=unique@example").get_data(as_text=True).count('data-testid="patient-row"') == 1
    assert client.get("/patients/?q=555 0100").get_data(as_text=True).count('data-testid="patient-row"') == 25
    first = client.get("/patients/?q=many").get_data(as_text=True)
    assert first.count('data-testid="patient-row"') == 25 and "q=many" in first and "page=2" in first
    second = client.get("/patients/?q=many&page=2").get_data(as_text=True)
    assert second.count('data-testid="patient-row"') == 2
    for junk in ["page=-1", "page=abc", f"page={10**30}", "q=%25_%25", "q=" + "x" * 500]:
        assert client.get(f"/patients/?{junk}").status_code == 200, junk


def test_html_in_a_name_is_escaped(client, auth, people):
    make_patient('<script>alert("x")</script>', "<b>Bold</b>")
    auth.login("sam")
    page = client.get("/patients/").get_data(as_text=True)
    assert "<script>alert" not in page and "<b>Bold</b>" not in page
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page


def test_detail_lists_their_appointments(client, auth, people):
    patient = make_patient("Ana", "Lyse")
    drwho = practitioner_of(people["practitioner"])
    appointments.book(patient_id=patient.id, slot_id=make_slot(drwho).id, by_user=people["staff"], reason="Flu jab")
    auth.login("sam")
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Upcoming appointments" in page and "Flu jab" in page and "Drwho Person" in page
    assert client.get("/patients/999999").status_code == 404
    assert client.get("/patients/999999/edit").status_code == 404
    assert client.get(f"/patients/{10**30}").status_code == 404


def test_practitioners_may_not_see_patient_pages(client, auth, people):
    patient = make_patient()
    auth.login("drwho")
    for path in ["/patients/", "/patients/new", f"/patients/{patient.id}", f"/patients/{patient.id}/edit"]:
        assert client.get(path).status_code == 403, path


def test_a_patient_added_from_a_booking_goes_back_to_it_chosen(client, auth, people):
    """A new patient at the desk while booking an open slot (the calendar's panel too): the
    booking form links to the patient form with the slot, and saving returns to the booking
    with them chosen."""
    slot = make_slot(practitioner_of(people["practitioner"]))
    auth.login("sam")
    booking = client.get(f"/appointments/new?slot={slot.id}").get_data(as_text=True)
    assert f'href="/patients/new?slot={slot.id}"' in booking
    response = auth.post(
        f"/patients/new?slot={slot.id}",
        {"first_name": "Āwhina", "last_name": "Te Rangi-O'Neill", "email": "awhina@example.org"},
        form_page=f"/patients/new?slot={slot.id}",
    )
    patient = db.session.scalar(select(Patient))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/appointments/new?slot={slot.id}&patient={patient.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Āwhina Te Rangi-O&#39;Neill added." in page
    assert f'id="patient-{patient.id}" value="{patient.id}" checked' in page
