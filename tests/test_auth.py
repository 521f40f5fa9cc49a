import pytest
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import User
from tests.conftest import PASSWORD, csrf_token


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Log in" in response.get_data(as_text=True)


def test_login_and_logout(client, auth, people):
    response = auth.login("sam")
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"
    home = client.get("/home")
    assert home.status_code == 200
    assert "Sam Person" in home.get_data(as_text=True)

    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/home").status_code == 302


def test_username_is_case_insensitive(client, auth, people):
    assert auth.login("SAM").status_code == 302


@pytest.mark.parametrize("username,password", [("sam", "wrong-password"), ("nobody", PASSWORD)])
def test_failed_login_says_so_plainly(auth, people, username, password):
    response = auth.login(username, password)
    assert response.status_code == 401
    assert "Invalid username or password." in response.get_data(as_text=True)


def test_empty_login_form_is_a_400_with_field_errors(client, people):
    response = client.post("/login", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)


def test_login_records_last_login(auth, people):
    auth.login("sam")
    assert db.session.scalar(select(User.last_login_at).where(User.username == "sam")) is not None


def test_deactivated_user_cannot_log_in(auth, people):
    people["staff"].active = False
    db.session.commit()
    response = auth.login("sam")
    assert response.status_code == 403
    assert "deactivated" in response.get_data(as_text=True)


def test_deactivated_user_is_logged_out_at_next_request(client, auth, people):
    auth.login("sam")
    assert client.get("/home").status_code == 200
    people["staff"].active = False
    db.session.commit()
    response = client.get("/home")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_follows_next_only_within_the_site(auth, people):
    ok = auth.login("sam", query_string={"next": "/notifications/"})
    assert ok.headers["Location"] == "/notifications/"


@pytest.mark.parametrize("target", ["//evil.example.com/", "https://evil.example.com/", "/\\evil.example.com"])
def test_login_ignores_next_to_another_site(auth, people, target):
    response = auth.login("sam", query_string={"next": target})
    assert response.headers["Location"] == "/home"


def test_logout_needs_post(client, auth, people):
    auth.login("sam")
    response = client.get("/logout")
    assert response.status_code == 405
    assert client.get("/home").status_code == 200


def test_missing_csrf_token_gets_a_clear_400(client, people):
    response = client.post("/login", data={"username": "sam", "password": PASSWORD})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_csrf_token_does_not_expire_within_a_session(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None


def test_passwords_are_hashed(people):
    user = people["staff"]
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


# Throttling: tests/test_login_throttle.py
