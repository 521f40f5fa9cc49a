"""The bell: unread badge on every page, dropdown, mark read."""

from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import Notification
from dashboard.services import notifications


def notify(user, title="Low stock: gloves", link=None, body=""):
    note = Notification(user_id=user.id, kind="test", title=title, body=body, link=link)
    db.session.add(note)
    db.session.commit()
    return note


def badge(page: str) -> str:
    marker = 'data-testid="bell-count">'
    return page.split(marker, 1)[1].split("<", 1)[0]


def test_every_page_shows_the_unread_count(client, auth, people):
    notify(people["staff"])
    notify(people["staff"])
    notify(people["owner"])  # someone else's
    auth.login("sam")
    for path in ["/home", "/notifications/"]:
        assert badge(client.get(path).get_data(as_text=True)) == "2"


def test_the_bell_endpoint_gives_count_and_latest_ten(client, auth, people):
    for i in range(12):
        notify(people["staff"], title=f"Item {i}")
    auth.login("sam")
    data = client.get("/notifications/bell").json
    assert data["unread"] == 12
    assert "Item 11" in data["html"]
    assert "Item 1<" not in data["html"] and "Item 0" not in data["html"]


def test_mark_one_read_follows_its_link(client, auth, people):
    note = notify(people["staff"], link="/notifications/")
    auth.login("sam")
    response = auth.post(f"/notifications/{note.id}/read", {"follow": "1"})
    assert response.headers["Location"] == "/notifications/"
    db.session.refresh(note)
    assert note.read_at is not None
    assert notifications.unread_count(people["staff"].id) == 0


def test_a_link_to_another_site_is_never_followed(client, auth, people):
    note = notify(people["staff"], link="https://evil.example.com/")
    auth.login("sam")
    response = auth.post(f"/notifications/{note.id}/read", {"follow": "1"})
    assert "evil" not in response.headers["Location"]


def test_mark_all_read(client, auth, people):
    for _ in range(3):
        notify(people["staff"])
    other = notify(people["owner"])
    auth.login("sam")
    auth.post("/notifications/read-all")
    assert notifications.unread_count(people["staff"].id) == 0
    db.session.refresh(other)
    assert other.read_at is None


def test_someone_elses_notification_is_not_found(client, auth, people):
    note = notify(people["owner"])
    auth.login("sam")
    response = auth.post(f"/notifications/{note.id}/read")
    assert response.status_code == 404
    db.session.refresh(note)
    assert note.read_at is None


def test_titles_and_bodies_are_escaped(client, auth, people):
    notify(people["staff"], title="<img src=x onerror=alert(1)>", body="<b>bold</b>")
    auth.login("sam")
    html = client.get("/notifications/bell").json["html"]
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>bold</b>" not in html


def test_full_list_is_paginated(client, auth, people):
    for i in range(30):
        notify(people["staff"], title=f"Note {i:02d}")
    auth.login("sam")
    first = client.get("/notifications/").get_data(as_text=True)
    assert "Note 29" in first and "Page 1" in first and "?page=2" in first
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    assert "Note 00" in second
    beyond = client.get("/notifications/?page=99")
    assert beyond.status_code == 200
    bad = client.get("/notifications/?page=abc")
    assert bad.status_code == 200


def test_unread_count_is_one_indexed_query(app, people):
    """The badge query filters on (user_id, read_at), which the index covers."""
    from sqlalchemy import inspect

    indexes = {ix["name"]: ix["column_names"] for ix in inspect(db.engine).get_indexes("notifications")}
    assert indexes["ix_notifications_user_unread"] == ["user_id", "read_at"]
    notify(people["staff"])
    assert notifications.unread_count(people["staff"].id) == 1
    assert db.session.scalar(select(Notification.kind)) == "test"
