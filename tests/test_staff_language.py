"""Each member of staff chooses the language of their pages: on their account (/account/language),
or the owner chooses it when adding them. The header (navigation, the Admin and user menus, the
bell), the home page's greeting and its date, and the account pages follow it at once; another
user's pages stay in theirs."""

import re

from flask_babel import force_locale

from dashboard.clinic_time import clinic_date, clinic_today
from dashboard.extensions import db
from dashboard.models import Role, User
from dashboard.services.users import create_user, find_by_username
from tests.conftest import PASSWORD


def _choose(auth, language: str):
    return auth.post("/account/language", {"language": language}, form_page="/account/language")


def _title_and_greeting(page: str) -> tuple[str, str]:
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    greeting = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
    return title, greeting


def test_a_user_chooses_spanish_and_the_shell_follows(client, auth, people):
    create_user(
        username="dr.wilson",
        email="wilson@clinic.example.org",
        full_name="Dr Hannah Wilson",
        role=Role.PRACTITIONER,
        password=PASSWORD,
        specialty="Medicina general",
    )
    auth.login("dr.wilson")
    page = client.get("/account/language").get_data(as_text=True)
    assert '<html lang="en">' in page and "Your language" in page and 'value="es"' in page and "Español" in page

    response = _choose(auth, "es")
    assert response.status_code == 302 and response.headers["Location"] == "/account/language"
    assert find_by_username("dr.wilson").language == "es"
    page = client.get("/account/language").get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Sus páginas están ahora en Español." in page  # the message is in the new language already
    assert "Su idioma" in page and '<option selected value="es">Español</option>' in page

    home = client.get("/home").get_data(as_text=True)
    title, greeting = _title_and_greeting(home)
    assert title.startswith("Mi día ·")
    assert re.fullmatch(r"Buen(os días|as tardes|as noches), Dr Wilson", greeting)
    with force_locale("es"):
        today = clinic_date(clinic_today())
    assert today in home and re.search(r"(lunes|martes|miércoles|jueves|viernes|sábado|domingo),? \d+ de ", today)
    for words in ["Mi calendario", "Mi horario", "Mi lista de espera", "Mis citas", "Avisos", "Cerrar sesión",
                  "Cambiar contraseña", "Idioma", "Sesión iniciada como", "Profesional", 'aria-label="Principal"',
                  "consulta"]:  # fmt: skip
        assert words in home, words
    for english in ["Log out", "My calendar", "Change password", "Signed in as", "Good morning"]:
        assert english not in home, english
    bell = client.get("/notifications/bell").get_json()["html"]
    assert "Marcar todo como leído" in bell and "No hay nada nuevo." in bell and "Ver todos los avisos" in bell

    password_page = client.get("/account/password").get_data(as_text=True)
    assert "Cambie su contraseña" in password_page and "Al menos 8 caracteres." in password_page
    assert "Contraseña actual" in password_page and "Repita la contraseña nueva" in password_page


def test_another_user_stays_in_english(client, auth, people):
    auth.login("sam")
    _choose(auth, "es")
    auth.logout()
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page  # the login page follows the browser
    assert "Ha cerrado la sesión." not in page and "You have been logged out." in page

    auth.login("olive")
    home = client.get("/home").get_data(as_text=True)
    assert '<html lang="en">' in home and "Log out" in home and "Good " in _title_and_greeting(home)[1]
    for endpoint_label in ["Calendar", "Appointments", "Waiting lists", "Notifications", ">Admin<", "Users"]:
        assert endpoint_label in home, endpoint_label
    assert "Cerrar sesión" not in home


def test_spanish_shell_for_the_desk_and_the_owner(client, auth, people):
    for username, words in [
        ("sam", ["Calendario", "Hoy", "Citas", "Horarios", "Listas de espera", "Pacientes", "Mensajes", "Personal"]),
        ("olive", [">Gestión<", "Usuarios", "Bandeja de salida", "Ajustes de la clínica", "Propietario"]),
    ]:
        auth.login(username)
        _choose(auth, "es")
        home = client.get("/home").get_data(as_text=True)
        for word in words + ["Cerrar sesión"]:
            assert word in home, (username, word)
        auth.logout()


def test_the_login_page_follows_the_browser(client, people):
    response = client.get("/home", headers={"Accept-Language": "es"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"], headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Inicie sesión para continuar." in page
    page = client.get("/login", headers={"Accept-Language": "es-ES,es;q=0.9"}).get_data(as_text=True)
    assert '<html lang="es">' in page and "Iniciar sesión" in page and "Nombre de usuario" in page
    assert "Mantener la sesión iniciada en este ordenador" in page
    from tests.conftest import csrf_token

    token = csrf_token(client)
    response = client.post(
        "/login",
        data={"username": "sam", "password": "wrong password", "csrf_token": token},
        headers={"Accept-Language": "es"},
    )
    assert response.status_code == 401
    assert "El nombre de usuario o la contraseña no son correctos." in response.get_data(as_text=True)


def test_a_bad_language_code_is_a_message_not_a_500(client, auth, people):
    auth.login("sam")
    for code in ["fr", "", "es-ES", "<script>", "x" * 500]:
        response = _choose(auth, code)
        assert response.status_code == 400, code
        assert "Not a valid choice" in response.get_data(as_text=True) or "Este campo" in response.get_data(
            as_text=True
        )
    assert find_by_username("sam").language == "en"
    response = client.post("/account/language", data={"language": "es"})  # no CSRF token
    assert response.status_code == 400 and find_by_username("sam").language == "en"


def test_the_owner_sets_a_new_users_language(client, auth, people):
    auth.login("olive")
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert 'name="language"' in form and "Español" in form
    data = {
        "full_name": "Zoë Müller",
        "username": "zoe",
        "email": "zoe@clinic.example.org",
        "role": "staff",
        "language": "es",
        "password": PASSWORD,
    }
    response = auth.post("/admin/users/new", data, form_page="/admin/users/new")
    assert response.status_code == 302
    assert find_by_username("zoe").language == "es"
    response = auth.post("/admin/users/new", {**data, "username": "zoe2", "language": "klingon"},
                         form_page="/admin/users/new")  # fmt: skip
    assert response.status_code == 400 and find_by_username("zoe2") is None
    auth.logout()

    auth.login("zoe")
    home = client.get("/home").get_data(as_text=True)
    assert '<html lang="es">' in home and "Cerrar sesión" in home and "Zoë Müller" in home
    assert db.session.query(User).filter_by(language="es").count() == 1


def test_changing_ones_password_says_so_in_ones_language(client, auth, people):
    auth.login("sam")
    _choose(auth, "es")
    data = {"current_password": PASSWORD, "new_password": "Pōmare's new pass 🌿", "confirm": "Pōmare's new pass 🌿"}
    response = auth.post("/account/password", data, form_page="/account/password")
    assert response.status_code == 302  # the new session is the user, not a proxy to them
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Su contraseña se ha cambiado." in page and "Cerrar sesión" in page
    wrong = auth.post("/account/password", {**data, "current_password": "nope"}, form_page="/account/password")
    assert wrong.status_code == 400 and "La contraseña actual no es correcta." in wrong.get_data(as_text=True)
