"""Failed logins are throttled per username and address together, with higher ceilings per
username alone and per address alone; the owner sees the locks on the Users page and lifts them."""

import re
import statistics
import time
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug import security as werkzeug_security

from dashboard.clinic_time import clinic_hour
from dashboard.models import user as user_model
from dashboard.services import users
from tests.conftest import PASSWORD, AuthActions, csrf_token
from tests.helpers import wait_for
from tests.session_helpers import FreshUserClient

DESK = "203.0.113.10"  # the clinic's own address
AWAY = "198.51.100.77"


@pytest.fixture(autouse=True)
def _fresh_user_each_request(app):
    app.test_client_class = FreshUserClient


def login_from(client, address: str, username: str, password: str = PASSWORD):
    token = csrf_token(client, "/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def fail(client, address: str, username: str = "sam", times: int = 1) -> None:
    for _ in range(times):
        assert login_from(client, address, username, "wrong-password").status_code == 401


def test_wrong_passwords_from_one_address_leave_the_owner_free_elsewhere(app, client, people):
    fail(client, AWAY, "olive", times=5)
    before = datetime.now(UTC)
    locked = login_from(client, AWAY, "olive")
    after = datetime.now(UTC)
    assert locked.status_code == 429
    page = locked.get_data(as_text=True)
    assert "Too many attempts" in page
    # It says when: 15 minutes from the first failure, in the clinic's time.
    until = {clinic_hour(t) for t in (before + timedelta(minutes=14), after + timedelta(minutes=15))}
    assert any(f"locked until {hhmm}" in page for hhmm in until), page
    assert "(in 15 minutes)" in page or "(in 14 minutes)" in page
    assert 800 <= int(locked.headers["Retry-After"]) <= 900

    # The right password from the clinic's desk still works, and so does another user from AWAY.
    assert login_from(app.test_client(), DESK, "olive").status_code == 302
    assert login_from(app.test_client(), AWAY, "sam").status_code == 302


@pytest.mark.config(LOGIN_LIMIT_PER_ACCOUNT="6 per 15 minutes")
def test_the_account_alone_locks_after_its_ceiling_from_many_addresses(app, client, people):
    for n in range(6):
        fail(client, f"192.0.2.{n + 1}", "sam")
    response = login_from(client, DESK, "sam")
    assert response.status_code == 429
    assert "this username, from any address" in response.get_data(as_text=True)
    assert login_from(client, DESK, "olive").status_code == 302  # the desk itself is not locked


@pytest.mark.config(LOGIN_LIMIT_PER_IP="4 per 15 minutes")
def test_an_address_locks_after_its_ceiling_across_usernames(app, client, people):
    for name in ["a", "b", "c", "d"]:
        fail(client, DESK, name)
    response = login_from(client, DESK, "sam")
    assert response.status_code == 429
    assert "any username from this address" in response.get_data(as_text=True)
    assert login_from(client, AWAY, "sam").status_code == 302


def test_only_failed_attempts_count(app, client, people):
    for _ in range(7):
        assert login_from(client, DESK, "sam").status_code == 302
        AuthActions(client).logout()
    fail(client, DESK, "sam", times=4)
    assert login_from(client, DESK, "sam").status_code == 302


def test_an_unknown_username_is_throttled_the_same(client, people):
    fail(client, AWAY, "nobody", times=5)
    assert login_from(client, AWAY, "nobody").status_code == 429


def change_password_from(client, address: str, current: str) -> object:
    token = csrf_token(client, "/account/password")
    data = {"current_password": current, "new_password": "a-new-password-9", "confirm": "a-new-password-9"}
    return client.post("/account/password", data={**data, "csrf_token": token}, environ_base={"REMOTE_ADDR": address})


def test_wrong_current_passwords_on_the_password_page_count_toward_the_lock(app, client, people):
    """Someone at a logged-in desk can't guess the password on /account/password without the throttle."""
    assert login_from(client, AWAY, "sam").status_code == 302
    for _ in range(5):
        wrong = change_password_from(client, AWAY, "wrong-password")
        assert wrong.status_code == 400
        assert "The current password is not right." in wrong.get_data(as_text=True)
    sixth = change_password_from(client, AWAY, "wrong-password")
    assert sixth.status_code == 429
    assert "Too many attempts: after too many wrong passwords, logging in as" in sixth.get_data(as_text=True)
    assert 800 <= int(sixth.headers["Retry-After"]) <= 900
    # Locked now: the right current password is refused too, and nothing changes.
    assert change_password_from(client, AWAY, PASSWORD).status_code == 429

    # The login page refuses even the right password, with its lock message.
    refused = login_from(app.test_client(), AWAY, "sam")
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Too many attempts: after too many wrong passwords, logging in as this username from this address" in page
    assert login_from(app.test_client(), DESK, "sam").status_code == 302  # the old password, from elsewhere


# ---------------------------------------------------------- the Users page


def owner_client(app):
    owner = app.test_client()
    assert login_from(owner, DESK, "olive").status_code == 302
    return owner


def test_the_owner_sees_the_lock_and_lifts_it(app, client, people):
    fail(client, AWAY, "sam", times=5)
    assert login_from(client, AWAY, "sam").status_code == 429

    owner = owner_client(app)
    page = owner.get("/admin/users").get_data(as_text=True)
    row = re.search(r'<tr data-testid="lock-account_address">(.*?)</tr>', page, re.S)
    assert row, page
    assert "sam" in row.group(1) and AWAY in row.group(1)
    assert "this username from this address" in row.group(1)
    assert 'data-testid="lock-account"' not in page  # 5 is under the account's own ceiling

    token = csrf_token(owner, "/admin/users")
    lifted = owner.post(
        "/admin/users/locks/lift",
        data={"csrf_token": token, "kind": "account_address", "account": "sam", "address": AWAY},
    )
    assert lifted.status_code == 302
    after = owner.get("/admin/users").get_data(as_text=True)
    assert "The lock has been lifted." in after
    assert 'data-testid="no-locks"' in after
    assert login_from(client, AWAY, "sam").status_code == 302


@pytest.mark.config(LOGIN_LIMIT_PER_IP="3 per 15 minutes")
def test_an_address_lock_is_listed_and_lifted(app, client, people):
    fail(client, AWAY, "a")
    fail(client, AWAY, "b")
    fail(client, AWAY, "c")
    owner = owner_client(app)
    page = owner.get("/admin/users").get_data(as_text=True)
    row = re.search(r'<tr data-testid="lock-address">(.*?)</tr>', page, re.S)
    assert row and AWAY in row.group(1)
    token = csrf_token(owner, "/admin/users")
    owner.post("/admin/users/locks/lift", data={"csrf_token": token, "kind": "address", "address": AWAY})
    assert login_from(client, AWAY, "sam").status_code == 302


def test_lifting_needs_the_owner_and_the_csrf_token(app, client, people):
    fail(client, AWAY, "sam", times=5)
    form = {"kind": "account_address", "account": "sam", "address": AWAY}

    desk = app.test_client()
    assert login_from(desk, DESK, "drwho").status_code == 302
    token = csrf_token(desk, "/home")
    assert desk.post("/admin/users/locks/lift", data={"csrf_token": token, **form}).status_code == 403

    owner = owner_client(app)
    assert owner.post("/admin/users/locks/lift", data=form).status_code == 400  # no CSRF token
    assert login_from(client, AWAY, "sam").status_code == 429  # still locked


@pytest.mark.config(LOGIN_LIMIT_PER_ACCOUNT_ADDRESS="5 per 2 seconds")
def test_a_lock_that_has_run_out_is_no_longer_listed(app, client, people):
    fail(client, AWAY, "sam", times=5)
    assert login_from(client, AWAY, "sam").status_code == 429
    owner = owner_client(app)
    assert 'data-testid="lock-account_address"' in owner.get("/admin/users").get_data(as_text=True)
    wait_for(
        lambda: 'data-testid="no-locks"' in owner.get("/admin/users").get_data(as_text=True),
        timeout=10,
        message="the lock to run out",
    )
    assert login_from(client, AWAY, "sam").status_code == 302


DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.mark.config(REDIS_URL=DEAD_REDIS, RATELIMIT_STORAGE_URI=DEAD_REDIS)
def test_a_redis_outage_neither_locks_anyone_out_nor_breaks_the_users_page(app, client, people):
    fail(client, AWAY, "olive", times=6)
    assert login_from(client, AWAY, "olive").status_code == 302
    page = client.get("/admin/users")
    assert page.status_code == 200
    assert 'data-testid="locks-unavailable"' in page.get_data(as_text=True)
    token = csrf_token(client, "/admin/users")
    lifted = client.post("/admin/users/locks/lift", data={"csrf_token": token, "kind": "account", "account": "sam"})
    assert lifted.status_code == 302
    assert "could not be lifted just now" in client.get("/admin/users").get_data(as_text=True)


# ------------------------------------------------- unknown usernames' timing


def test_an_unknown_username_costs_one_password_check_like_a_known_one(app, people, monkeypatch):
    checks = []

    def counting(hash_, password):
        checks.append(hash_)
        return werkzeug_security.check_password_hash(hash_, password)

    monkeypatch.setattr(users, "check_password_hash", counting)
    monkeypatch.setattr(user_model, "check_password_hash", counting)
    assert users.authenticate("sam", "wrong-password") is None
    assert users.authenticate("nobody-at-all", "wrong-password") is None
    assert len(checks) == 2
    # The stand-in hash is the clinic's method, and made once.
    method = app.config["PASSWORD_HASH_METHOD"]
    assert checks[1].startswith(method.split(":")[0] + ":") and checks[1].split("$")[0] == checks[0].split("$")[0]
    users.authenticate("someone-else", "x")
    assert checks[2] == checks[1]


@pytest.mark.config(PASSWORD_HASH_METHOD="pbkdf2:sha256:150000")
def test_an_unknown_username_takes_as_long_to_refuse_as_a_wrong_password(app, people):
    known = users.create_user(
        username="pomare", email="pomare@clinic.example.org", full_name="Hēmi Pōmare", role="staff", password=PASSWORD
    )
    assert known.password_hash.startswith("pbkdf2:sha256:150000$")
    users.authenticate("warm-up", "x")  # the stand-in hash is made on first use

    def timed(username: str) -> float:
        started = time.perf_counter()
        assert users.authenticate(username, "wrong-password") is None
        return time.perf_counter() - started

    ratios = [timed("no-such-user") / timed("pomare") for _ in range(7)]
    assert 0.5 <= statistics.median(ratios) <= 2, ratios
