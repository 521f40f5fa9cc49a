"""The patients' pages in the patient's language: every page a Spanish-speaking patient opens from
their emails is in Spanish (words, dates, <html lang>), an English-speaking patient's are as they
were; the desk chooses a patient's language on the patient form, the patient on their preferences
page; a link that names nobody we can trust follows the browser."""

import html
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from babel.dates import format_date
from sqlalchemy import select

from dashboard import languages, patient_links
from dashboard.clinic_time import clinic_datetime, clinic_zone
from dashboard.extensions import db
from dashboard.models import Patient
from dashboard.models.base import utcnow
from dashboard.services import ServiceError, appointments, offers, portal, waitlist
from dashboard.services import patients as patient_service
from tests.conftest import CSRF_INPUT
from tests.factories import make_patient, make_slot, practitioner_of

WEEKDAYS_ES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
# Words of the pages' frame an English page always has and a Spanish one never should.
ENGLISH_FRAME = ("Questions? Call us on", "Your appointments<", "Need a hand?")


# ------------------------------------------------------------------ helpers


def speaking(patient: Patient, language: str) -> Patient:
    patient.language = language
    db.session.commit()
    return patient


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def in_spanish(app, when) -> str:
    """The date and time as a Spanish page writes it, with its weekday and month in Spanish."""
    with app.test_request_context(), languages.writing_in("es"):
        written = clinic_datetime(when)
        day = when.astimezone(clinic_zone()).date()
    assert any(written.startswith(weekday) for weekday in WEEKDAYS_ES), written
    assert f" de {format_date(day, 'MMMM', locale='es')}" in written, written
    return written


def spanish(response, *words: str, status: int = 200) -> str:
    page = text(response)
    assert response.status_code == status, (response.status_code, page[:400])
    assert '<html lang="es">' in page
    assert "¿Preguntas? Llámenos al" in page  # the frame: the footer
    for english in ENGLISH_FRAME:
        assert english not in page, english
    for word in words:
        assert word in page, word
    return page


def csrf(client, path: str) -> str:
    match = CSRF_INPUT.search(client.get(path).get_data(as_text=True))
    assert match, f"no form on {path}"
    return match.group(1) or match.group(2)


def submit(client, path: str, data: dict | None = None, form_page: str | None = None):
    return client.post(path, data={"csrf_token": csrf(client, form_page or path), **(data or {})})


def appointment_links(appointment) -> dict[str, str]:
    return {
        name: url.removeprefix("http://clinic.test")
        for name, url in patient_links.for_appointment(appointment.id, appointment.patient_id).items()
    }


@pytest.fixture
def lucia(app, people):
    """Lucía speaks Spanish: an appointment booked by the desk, a time offered from the waiting list."""
    practitioner = practitioner_of(people["practitioner"])
    patient = speaking(make_patient("Lucía", "Fernández-O'Connor 🌿"), "es")
    appointment = appointments.book(
        patient_id=patient.id, slot_id=make_slot(practitioner, starts_in=timedelta(days=3)).id, by_user=people["staff"]
    ).appointment
    waitlist.add(practitioner.id, patient.id, by_user=people["staff"])
    offered = make_slot(practitioner, starts_in=timedelta(days=6))
    offers.fan_out(practitioner.id, [offered.id])
    return SimpleNamespace(
        patient=patient, practitioner=practitioner, appointment=appointment, offered=offered, people=people
    )


def book_path(patient, slot) -> str:
    return f"/p/book/{patient_links.token('book', p=patient.id)}/{slot.id}"


# ------------------------------------------------------------------ every page, in Spanish


def test_their_own_page_and_their_appointments_page_are_in_spanish(client, app, lucia):
    when = in_spanish(app, lucia.appointment.starts_at)
    me = client.get(f"/p/me/{patient_links.token('patient', p=lucia.patient.id)}")
    spanish(me, "Hola, Lucía", "Sus próximas citas", "Ver o cambiar", "Confirmada", "Horas que le ofrecemos", when)
    spanish(me, "Reservar una nueva hora", "Mensajes", "Elija qué correos recibe")
    spanish(me, "Drwho Person tiene una nueva hora para usted, el ")  # the message the offer left, as written

    manage = appointment_links(lucia.appointment)["manage_url"]
    page = spanish(client.get(manage), "Su cita", "Allí estaré", "Pedir otra hora", "Cancelar esta cita", when)
    assert "<title>Su cita ·" in page

    confirmed = submit(client, f"{manage}/confirm", form_page=manage)
    spanish(confirmed, "Gracias por avisarnos de que vendrá", "No tiene que hacer nada más: hasta entonces.")
    spanish(client.get(manage), "Nos ha dicho que vendrá. ¡Gracias!")


def test_cancelling_and_asking_for_another_time_are_in_spanish(client, app, lucia):
    links = appointment_links(lucia.appointment)
    spanish(client.get(links["reschedule_url"]), "Pedir otra hora", "¿Qué le vendría bien en su lugar?", "Volver")
    asked = submit(client, links["reschedule_url"], {"note": "por las mañanas"})
    spanish(asked, "Hemos enviado su solicitud a la clínica", "Mientras tanto, su cita sigue como está.")
    spanish(client.get(links["manage_url"]), "Pidió cambiar esta cita el", "«por las mañanas»")

    spanish(client.get(links["cancel_url"]), "Cancelar su cita", "¿Por qué cancela?", "La clínica lo leerá.")
    refused = submit(client, links["cancel_url"], {"reason": ""})
    spanish(refused, "Díganos por qué cancela, por favor.", status=400)
    too_long = submit(client, links["cancel_url"], {"reason": "x" * 1001})
    spanish(too_long, "Escriba menos de 1000 caracteres, por favor.", status=400)
    cancelled = submit(client, links["cancel_url"], {"reason": "Estoy de viaje"})
    spanish(cancelled, "Su cita está cancelada", "Reservar de nuevo", in_spanish(app, lucia.appointment.starts_at))
    again = client.get(links["cancel_url"])
    spanish(again, "Esta cita ya está cancelada", "La canceló Lucía Fernández-O'Connor 🌿 (online).", "Cancelada")


def test_booking_an_offer_and_the_open_times_are_in_spanish(client, app, lucia):
    path = book_path(lucia.patient, lucia.offered)
    when = in_spanish(app, lucia.offered.starts_at)
    spanish(client.get(path), "¿Le viene bien esta hora?", "Reservar esta hora", "No me viene bien", when)
    booked = submit(client, path)
    spanish(booked, "Su cita está reservada", "Le hemos enviado por correo una confirmación", "Ver o cambiar esta cita")
    any_form = f"/p/preferences/{patient_links.token('preferences', p=lucia.patient.id)}"
    spanish(submit(client, path, form_page=any_form), "Ya reservó esta hora", "esta cita ya es suya", when)

    make_slot(lucia.practitioner, starts_in=timedelta(days=9))
    token = patient_links.token("availability", p=lucia.patient.id, r=lucia.practitioner.id)
    spanish(client.get(f"/p/availability/{token}"), "Horas disponibles con Drwho Person", "Reservar", "Cada hora es")


def test_a_taken_offer_and_the_waiting_list_are_in_spanish(client, app, lucia, people):
    other = make_patient("Zoë", "Müller")
    waitlist.add(lucia.practitioner.id, other.id, by_user=people["staff"])
    later = make_slot(lucia.practitioner, starts_in=timedelta(days=8))
    offers.fan_out(lucia.practitioner.id, [later.id])
    offers.book(other.id, lucia.offered.id)  # Zoë books the time offered to both of them first

    path = book_path(lucia.patient, lucia.offered)
    taken = client.get(path)
    spanish(taken, "Esta hora ya está reservada", "Otra persona la reservó antes.", status=409)
    spanish(taken, "Otras horas disponibles con Drwho Person", "Seguir en la lista de espera", status=409)
    spanish(taken, in_spanish(app, later.starts_at), status=409)

    kept = submit(client, f"{path}/waitlist", form_page=path)
    spanish(kept, "lista de espera de Drwho Person", "Le escribiremos cuando haya una nueva hora disponible")


def test_preferences_and_unsubscribing_are_in_spanish(client, lucia):
    links = {k: v.removeprefix("http://clinic.test") for k, v in
             patient_links.for_optional_email("appointment_reminder", lucia.patient.id).items()}  # fmt: skip
    page = spanish(client.get(links["preferences_url"]), "Sus preferencias de correo", "Marque los correos")
    assert "Recordatorio de cita por correo electrónico" in page and "Nuevas horas disponibles por correo" in page
    assert re.search(r'<option (?=[^>]*value="es")(?=[^>]*selected)(?=[^>]*lang="es")[^>]*>Español</option>', page)

    spanish(client.get(links["unsubscribe_url"]), "¿Darse de baja de los correos de recordatorio de cita?")
    done = submit(client, links["unsubscribe_url"])
    spanish(done, "Se ha dado de baja de los correos de recordatorio de cita", "Ya no le enviaremos estos correos.")


def test_refusals_are_in_the_patients_language(client, app, lucia):
    path = book_path(lucia.patient, lucia.offered)
    with time_machine.travel(utcnow() + patient_links.LIFETIMES["book"] + timedelta(hours=1), tick=False):
        expired = client.get(path)
    page = spanish(expired, "Este enlace ha caducado", "Por su seguridad", "¿Necesita ayuda?", status=410)
    assert "/p/me/" not in page  # a link past its lifetime makes them no fresh one

    lucia.offered.status = "blocked"
    db.session.commit()
    spanish(client.get(path), "Esta hora ya no está disponible", "La clínica ha cerrado esta hora.", status=409)

    gone = f"/p/book/{patient_links.token('book', p=lucia.patient.id)}/999999"
    spanish(client.get(gone), "No encontramos esta oferta", status=404)


# ------------------------------------------------------------------ before we know the patient: the browser


@pytest.mark.parametrize("path", ["/p/me/not-a-token", "/p/book/x.y.z/1", "/p/appointment/abc"])
def test_a_link_that_isnt_valid_follows_the_browser(client, path):
    response = client.get(path, headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"})
    spanish(response, "Este enlace no es válido", "Abra el enlace completo desde su correo", status=400)
    english = client.get(path, headers={"Accept-Language": "en-NZ,en;q=0.9"})
    page = text(english)
    assert english.status_code == 400 and '<html lang="en">' in page and "This link isn't valid" in page
    assert "This link isn't valid" in text(client.get(path))  # no header at all: English


def test_an_address_that_isnt_a_page_follows_the_browser(client):
    response = client.get("/p/nowhere", headers={"Accept-Language": "es"})
    assert response.status_code == 404
    assert "No encontrado" in text(response) and "No hay nada en esta dirección." in text(response)
    assert "Not found" in text(client.get("/p/nowhere"))


# ------------------------------------------------------------------ an English-speaking patient: as before


def test_an_english_patients_pages_are_unchanged(client, app, people):
    practitioner = practitioner_of(people["practitioner"])
    ana = make_patient("Ana", "Ngātiwai")
    appointment = appointments.book(
        patient_id=ana.id, slot_id=make_slot(practitioner).id, by_user=people["staff"]
    ).appointment
    waitlist.add(practitioner.id, ana.id, by_user=people["staff"])
    offers.fan_out(practitioner.id, [make_slot(practitioner, starts_in=timedelta(days=4)).id])
    links = appointment_links(appointment)
    with app.test_request_context():
        when = clinic_datetime(appointment.starts_at)
    assert "Drwho Person has a new time for you, from " in text(client.get(links["patient_url"]))
    pages = {
        links["patient_url"]: "Your upcoming appointments",
        links["manage_url"]: "I'll be there",
        links["cancel_url"]: "Why are you cancelling?",
        links["reschedule_url"]: "What would suit you instead?",
        f"/p/preferences/{patient_links.token('preferences', p=ana.id)}": "Appointment reminder emails",
    }
    for path, words in pages.items():
        page = text(client.get(path))
        assert '<html lang="en">' in page and words in page and "Questions? Call us on" in page, path
    assert when in text(client.get(links["manage_url"]))
    assert "Keep it under" not in text(submit(client, links["cancel_url"], {"reason": "x" * 1001}))
    assert "Please keep it under 1000 characters." in text(submit(client, links["cancel_url"], {"reason": "x" * 1001}))


# ------------------------------------------------------------------ choosing the language


def test_the_desk_chooses_a_patients_language_on_the_patient_form(client, auth, people):
    auth.login("sam")
    form = client.get("/patients/new").get_data(as_text=True)
    assert "Language for emails and their pages" in form and ">Español</option>" in form
    data = {"first_name": "Mateo", "last_name": "Núñez", "email": "mateo@example.org", "language": "es"}
    response = auth.post("/patients/new", data, form_page="/patients/new")
    assert response.status_code == 302
    mateo = db.session.scalar(select(Patient).where(Patient.last_name == "Núñez"))
    assert mateo.language == "es"
    detail = client.get(f"/patients/{mateo.id}").get_data(as_text=True)
    assert re.search(r'data-testid="patient-language">Español<', detail)

    edit = f"/patients/{mateo.id}/edit"
    assert re.search(
        r'<option (?=[^>]*value="es")(?=[^>]*selected)[^>]*>Español', client.get(edit).get_data(as_text=True)
    )
    refused = auth.post(edit, {**data, "language": "xx"}, form_page=edit)
    assert refused.status_code == 400 and "Not a valid choice" in refused.get_data(as_text=True)
    db.session.refresh(mateo)
    assert mateo.language == "es"
    assert auth.post(edit, {**data, "language": "en"}, form_page=edit).status_code == 302
    db.session.refresh(mateo)
    assert mateo.language == "en"

    plain = auth.post("/patients/new", {"first_name": "Zoë", "last_name": "Müller"}, form_page="/patients/new")
    assert plain.status_code == 302
    assert db.session.scalar(select(Patient.language).where(Patient.last_name == "Müller")) == "en"
    with pytest.raises(ServiceError):
        patient_service.create(first_name="A", last_name="B", language="klingon")


def test_the_patient_chooses_their_language_on_their_preferences_page(client, app, people):
    ana = make_patient("Aroha", "Ngātiwai")
    path = f"/p/preferences/{patient_links.token('preferences', p=ana.id)}"
    page = text(client.get(path))
    assert '<html lang="en">' in page and "Language of our emails and these pages" in page
    assert ">English</option>" in page and ">Español</option>" in page

    refused = submit(client, path, {"language": "xx", "appointment_reminder": "y"})
    assert refused.status_code == 400 and "Please choose one of the languages in the list." in text(refused)
    db.session.refresh(ana)
    assert ana.language == "en" and portal.preferences(ana.id)["payment_reminder"] is True  # nothing saved

    response = submit(client, path, {"language": "es", "appointment_reminder": "y"})
    assert response.status_code == 302
    spanish(client.get(response.headers["Location"]), "Guardado. Gracias.", "Sus preferencias de correo")
    db.session.refresh(ana)
    assert ana.language == "es"
    spanish(client.get(f"/p/me/{patient_links.token('patient', p=ana.id)}"), "Hola, Aroha")

    refused = submit(client, path, {"language": "fr"})
    spanish(refused, "Elija uno de los idiomas de la lista.", status=400)
    with pytest.raises(ServiceError):
        portal.save_preferences(ana.id, {"payment_reminder": True}, language="de")
    db.session.refresh(ana)
    assert ana.language == "es" and portal.preferences(ana.id)["payment_reminder"] is False
