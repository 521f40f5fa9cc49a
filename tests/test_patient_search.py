"""Finding a patient: numbers, dates of birth, and the indexed search behind the list and the chooser."""

from datetime import date, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from dashboard import create_app
from dashboard.clinic_time import clinic_today, parse_clinic_date
from dashboard.extensions import db
from dashboard.models import Patient, fold, phone_digits
from dashboard.services import ServiceError
from dashboard.services import patients as patient_service
from tests.factories import practitioner_of


def _numbers(q: str) -> list[str]:
    return [p.number for p in patient_service.search(q).items]


@pytest.fixture
def clarkes(app):
    made = [
        patient_service.create(
            first_name="Grace", last_name="Clarke", email=f"grace{i}@patients.example.org",
            phone=f"+64 21 555 010{i}", date_of_birth=date(1980 + i, 12, 4),
        )
        for i in range(3)
    ]  # fmt: skip
    made.append(patient_service.create(first_name="Mereana", last_name="Pōmare", phone="09 377 1234"))
    made.append(patient_service.create(first_name="Siobhán", last_name="O'Brien 🌿", email="Shiv@Example.org"))
    return made


def test_each_patient_gets_a_number_from_their_id(app, clarkes):
    assert [p.number for p in clarkes] == [f"P-{p.id:06d}" for p in clarkes]
    assert len({p.number for p in clarkes}) == len(clarkes)
    made_directly = Patient(first_name="Hemi", last_name="Walker")
    db.session.add(made_directly)
    db.session.commit()
    assert db.session.scalar(select(Patient.number).where(Patient.id == made_directly.id)) == made_directly.number
    assert made_directly.number == f"P-{made_directly.id:06d}"


def test_keys_fold_case_macrons_apostrophes_and_emoji():
    assert fold("  Pōmare ") == "pomare"
    assert fold("O'Brien 🌿") == "obrien"
    assert fold("Te Rangi-Ngātiwai") == "te rangi ngatiwai"
    assert phone_digits("+64 21 555 0100") == "0215550100"
    assert phone_digits("(09) 377-1234") == "093771234"


@pytest.mark.parametrize(
    ("typed", "day"),
    [("4/12/1987", date(1987, 12, 4)), ("1987-12-04", date(1987, 12, 4)), ("04.12.1987", date(1987, 12, 4)),
     ("4 Dec 1987", date(1987, 12, 4)), ("4 december 1987", date(1987, 12, 4)), ("31/2/1987", None),
     ("clarke", None), ("12/13/1987", None), ("", None)],
)  # fmt: skip
def test_dates_are_read_day_first_as_the_clinic_writes_them(typed, day):
    assert parse_clinic_date(typed) == day


def test_search_by_name_either_way_number_phone_email_and_date_of_birth(app, clarkes):
    grace0, grace1, grace2, mereana, siobhan = clarkes
    three = [grace0.number, grace1.number, grace2.number]
    assert _numbers("clar") == three
    assert _numbers("Grace Clarke") == three
    assert _numbers("clarke, grace") == three
    assert _numbers("g clarke") == three
    assert _numbers("pomare") == _numbers("Pōmare") == [mereana.number]
    assert _numbers("obrien") == _numbers("O'Brien") == [siobhan.number]
    assert _numbers(grace1.number) == [grace1.number]
    assert _numbers(grace1.number.lower().replace("-", "")) == [grace1.number]
    assert _numbers(str(grace2.id)) == [grace2.number]
    assert _numbers("021 555 0101") == [grace1.number]
    assert _numbers("+64 21 555 0102") == [grace2.number]
    assert _numbers("21 555 01") == three
    assert _numbers("09 377 1") == [mereana.number]
    assert _numbers("555 0101") == [grace1.number] and _numbers("377-1234") == [mereana.number]
    assert _numbers("shiv@example") == [siobhan.number]
    assert _numbers("grace1") == [grace1.number]  # an email's start, without its @
    assert _numbers("4/12/1981") == [grace1.number]
    assert _numbers("1982-12-04") == [grace2.number]
    assert _numbers("🌿") == [] and _numbers("%") == [] and _numbers("_") == []
    assert len(_numbers("")) == 5


def test_a_date_of_birth_in_the_future_or_before_1900_is_refused(app):
    with pytest.raises(ServiceError, match="future"):
        patient_service.create(first_name="A", last_name="B", date_of_birth=clinic_today() + timedelta(days=1))
    with pytest.raises(ServiceError, match="1900"):
        patient_service.create(first_name="A", last_name="B", date_of_birth=date(1899, 12, 31))


def test_the_form_takes_the_date_of_birth_as_typed_and_says_what_is_wrong(client, auth, people):
    auth.login("sam")
    form = {"first_name": "Grace", "last_name": "Clarke", "email": "", "phone": ""}
    response = auth.post("/patients/new", {**form, "date_of_birth": "4/12/1987"}, form_page="/patients/new")
    assert response.status_code == 302
    patient = db.session.scalar(select(Patient))
    assert patient.date_of_birth == date(1987, 12, 4)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "4 Dec 1987" in page and patient.number in page
    assert 'value="4 Dec 1987"' in client.get(f"/patients/{patient.id}/edit").get_data(as_text=True)

    for typed, message in [
        ("31/2/1987", "Give the date of birth as day/month/year"),
        ("1/1/1850", "can&#39;t be before 1900"),
        ((clinic_today() + timedelta(days=2)).isoformat(), "can&#39;t be in the future"),
    ]:
        response = auth.post("/patients/new", {**form, "date_of_birth": typed}, form_page="/patients/new")
        assert response.status_code == 400, typed
        assert message in response.get_data(as_text=True), typed

    listing = client.get("/patients/?q=4/12/1987").get_data(as_text=True)
    assert patient.number in listing and "4 Dec 1987" in listing


def test_the_migration_gives_existing_patients_numbers_and_keys(tmp_path, backend):
    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}", "REDIS_URL": backend["redis_url"]}
    )
    with app.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO patients (id, first_name, last_name, email, phone, created_at) VALUES "
                    "(7, 'Tāmati', 'Ngātiwai', 'T@Example.org', '+64 21 555 0100', '2026-01-01 00:00:00'),"
                    "(12, 'Grace', 'Clarke', NULL, NULL, '2026-01-01 00:00:00')"
                )
            )
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, number, name_key, sort_key, phone_key, phone_tail, email_key FROM patients ORDER BY id"
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            (7, "P-000007", "tamati ngatiwai", "ngatiwai tamati", "0215550100", "0010555120", "t@example.org"),
            (12, "P-000012", "grace clarke", "clarke grace", None, None, None),
        ]
        downgrade(revision="0007")
        db.engine.dispose()


def test_the_chooser_answers_as_you_type_for_everyone_who_books(client, auth, people, clarkes):
    auth.login("drwho")
    response = client.get("/patients/find?q=clar")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    found = response.get_json()["patients"]
    assert [p["number"] for p in found] == [p.number for p in clarkes[:3]]
    assert found[1] == {
        "id": clarkes[1].id, "name": "Grace Clarke", "number": clarkes[1].number, "born": "4 Dec 1981",
        "phone": "+64 21 555 0101", "email": "grace1@patients.example.org",
    }  # fmt: skip
    assert client.get("/patients/find?q=").get_json() == {"patients": []}
    assert client.get("/patients/find?q=" + "x" * 5000).status_code == 200
    many = [patient_service.create(first_name=f"Aroha{i}", last_name="Clarkson") for i in range(12)]
    assert len(client.get("/patients/find?q=clark").get_json()["patients"]) == 10 < len(many)


def test_every_chooser_shows_number_and_date_of_birth_without_javascript(client, auth, people, clarkes):
    auth.login("sam")
    for path in ["/appointments/new?q=grace+clarke", "/billing/new?q=grace+clarke"]:
        page = client.get(path).get_data(as_text=True)
        assert page.count('name="patient_id"') == 3, path
        assert all(p.number in page for p in clarkes[:3]) and "born 4 Dec 1982" in page, path
        assert 'role="search"' in page and "js/patient_chooser.js" in page
    practitioner = practitioner_of(people["practitioner"])
    page = client.get(f"/waitlist/?practitioner={practitioner.id}&q={clarkes[0].number}").get_data(as_text=True)
    assert page.count('name="patient_id"') == 1 and clarkes[0].number in page
