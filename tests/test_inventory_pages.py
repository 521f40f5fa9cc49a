"""The stock pages: items, stock in and out, history, and the low-stock alert once per crossing."""

from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import EmailMessage, Item, Notification, StockMovement
from dashboard.services import inventory

NEW = "/inventory/items/new"


def _item(people, name="Gloves", sku="GLV-1", quantity=10, minimum_level=2, **kwargs) -> Item:
    return inventory.create_item(
        name=name, sku=sku, quantity=quantity, minimum_level=minimum_level, by_user=people["owner"], **kwargs
    )


def _move(auth, item_id: int, direction: str, quantity, reason="Used in surgery"):
    page = f"/inventory/items/{item_id}"
    data = {"direction": direction, "quantity": quantity, "reason": reason}
    return auth.post(f"{page}/move", data, form_page=page)


def _alerts(kind_model):
    return db.session.scalars(select(kind_model).where(kind_model.kind == "low_stock_alert")).all()


def test_desk_creates_an_item_and_sees_it_listed(client, auth, people):
    auth.login("sam")
    data = {"name": " Nitrile gloves ", "sku": "glv-m", "unit": "boxes", "quantity": "12", "minimum_level": "3",
            "supplier": "MedSupply"}  # fmt: skip
    response = auth.post(NEW, data, form_page=NEW)
    assert response.status_code == 302
    item = db.session.scalar(select(Item))
    assert (item.name, item.sku, item.unit, item.quantity, item.minimum_level, item.supplier) == (
        "Nitrile gloves", "GLV-M", "boxes", 12, 3, "MedSupply"
    )  # fmt: skip
    assert response.headers["Location"] == f"/inventory/items/{item.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nitrile gloves added." in page and "Opening stock" in page and "Sam Person" in page

    listing = client.get("/inventory/").get_data(as_text=True)
    assert "Nitrile gloves" in listing and "GLV-M" in listing and "12 boxes" in listing and "MedSupply" in listing
    assert 'data-testid="low-badge"' not in listing
    # search by supplier and by SKU; "low only" leaves it out
    assert "Nitrile gloves" in client.get("/inventory/?q=medsup").get_data(as_text=True)
    assert "Nitrile gloves" in client.get("/inventory/?q=glv-m").get_data(as_text=True)
    assert "Nitrile gloves" not in client.get("/inventory/?q=bandage").get_data(as_text=True)
    assert "Nitrile gloves" not in client.get("/inventory/?low=1").get_data(as_text=True)


def test_edit_keeps_the_stock_and_changes_the_details(client, auth, people):
    item = _item(people)
    auth.login("olive")
    edit = f"/inventory/items/{item.id}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert 'value="Gloves"' in page and "Starting quantity" not in page
    data = {"name": "Gloves (M)", "sku": "GLV-1", "unit": "pairs", "minimum_level": "4", "supplier": "Acme"}
    assert auth.post(edit, data, form_page=edit).status_code == 302
    db.session.refresh(item)
    assert (item.name, item.unit, item.minimum_level, item.supplier, item.quantity) == (
        "Gloves (M)", "pairs", 4, "Acme", 10
    )  # fmt: skip


def test_a_duplicate_sku_is_refused(client, auth, people):
    _item(people, sku="GLV-1")
    other = _item(people, name="Masks", sku="MSK-1")
    auth.login("sam")
    data = {"name": "More gloves", "sku": "glv-1", "quantity": "1", "minimum_level": "0"}
    response = auth.post(NEW, data, form_page=NEW)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Another item already has the SKU GLV-1." in page
    assert 'value="More gloves"' in page
    assert db.session.scalar(select(func.count()).select_from(Item)) == 2

    edit = f"/inventory/items/{other.id}/edit"
    data = {"name": "Masks", "sku": "GLV-1", "minimum_level": "0"}
    response = auth.post(edit, data, form_page=edit)
    assert response.status_code == 400
    assert "Another item already has the SKU GLV-1." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Item, other.id).sku == "MSK-1"


def test_stock_out_below_zero_is_refused_and_nothing_is_written(client, auth, people):
    item = _item(people, quantity=3, minimum_level=0)
    auth.login("sam")
    response = _move(auth, item.id, "out", "5")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Only 3 left: you can&#39;t take out 5." in page
    assert 'value="5"' in page and 'value="Used in surgery"' in page  # input kept
    db.session.expire_all()
    assert db.session.get(Item, item.id).quantity == 3
    assert db.session.scalar(select(func.count()).select_from(StockMovement)) == 1  # the opening stock only


def test_movements_are_listed_with_who_and_why(client, auth, people):
    item = _item(people, quantity=10, minimum_level=0)
    auth.login("sam")
    assert _move(auth, item.id, "out", "4", "Used in surgery").status_code == 302
    auth.logout()
    auth.login("olive")
    response = _move(auth, item.id, "in", "20", "Delivery from MedSupply")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "20 in; Gloves: 26 in stock." in page
    rows = page.split('data-testid="movement-row"')[1:]
    assert len(rows) == 3
    assert "+20" in rows[0] and "26" in rows[0] and "Delivery from MedSupply" in rows[0] and "Olive Person" in rows[0]
    assert "-4" in rows[1] and "6" in rows[1] and "Used in surgery" in rows[1] and "Sam Person" in rows[1]
    assert "+10" in rows[2] and "Opening stock" in rows[2]


def test_a_movement_needs_a_reason_a_direction_and_a_positive_quantity(client, auth, people):
    item = _item(people, quantity=5, minimum_level=0)
    auth.login("sam")
    for data, message in [
        ({"direction": "out", "quantity": "1", "reason": "  "}, "This field is required."),
        ({"direction": "sideways", "quantity": "1", "reason": "x"}, "Not a valid choice"),
        ({"quantity": "1", "reason": "x"}, "This field is required."),
        ({"direction": "out", "quantity": "0", "reason": "x"}, "Give a whole number from 1"),
        ({"direction": "out", "quantity": "-3", "reason": "x"}, "Give a whole number from 1"),
        ({"direction": "in", "quantity": "abc", "reason": "x"}, "Not a valid integer value."),
        ({"direction": "in", "quantity": "1.5", "reason": "x"}, "Not a valid integer value."),
        ({"direction": "in", "quantity": "9" * 30, "reason": "x"}, "Give a whole number from 1"),
    ]:
        page = f"/inventory/items/{item.id}"
        response = auth.post(f"{page}/move", data, form_page=page)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    db.session.expire_all()
    assert db.session.get(Item, item.id).quantity == 5
    assert db.session.scalar(select(func.count()).select_from(StockMovement)) == 1


def test_negative_and_junk_numbers_on_the_item_form_are_field_errors(client, auth, people):
    auth.login("olive")
    for quantity, minimum, message in [
        ("-1", "0", "Give a whole number from 0"),
        ("1", "-2", "Give a whole number from 0"),
        ("lots", "0", "Not a valid integer value."),
        ("1", "", "This field is required."),
        ("1", "9" * 30, "Give a whole number from 0"),
    ]:
        data = {"name": "Syringes", "sku": "SYR", "quantity": quantity, "minimum_level": minimum}
        response = auth.post(NEW, data, form_page=NEW)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, (quantity, minimum)
        assert message in page and 'value="Syringes"' in page
    assert db.session.scalar(select(Item)) is None


def test_junk_parameters_and_bad_ids(client, auth, people):
    _item(people)
    auth.login("sam")
    for query in ["?page=abc", "?page=-4", "?page=999999999999", "?low=yes&q=" + "x" * 500, "?q=%25_%5C"]:
        assert client.get(f"/inventory/{query}").status_code == 200, query
    for path in ["/inventory/items/0", "/inventory/items/99999", "/inventory/items/99999999999999/edit"]:
        assert client.get(path).status_code == 404, path
    assert auth.post("/inventory/items/99999/move", {"direction": "in"}, form_page="/inventory/").status_code == 404


def test_html_in_a_name_is_escaped(client, auth, people):
    item = _item(people, name="<script>alert(1)</script>", supplier="<b>Bold</b>", quantity=1, minimum_level=1)
    auth.login("sam")
    for path in ["/inventory/", f"/inventory/items/{item.id}", f"/inventory/items/{item.id}/edit", "/home"]:
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page and "<b>Bold</b>" not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path


def test_a_practitioner_may_not_see_the_stock(client, auth, people):
    item = _item(people)
    auth.login("drwho")
    for path in ["/inventory/", NEW, f"/inventory/items/{item.id}", f"/inventory/items/{item.id}/edit"]:
        assert client.get(path).status_code == 403, path
    assert _move(auth, item.id, "out", "1").status_code == 403
    assert db.session.get(Item, item.id).quantity == 10
    assert "/inventory/" not in client.get("/home").get_data(as_text=True)


def test_the_owner_marks_a_keeper(client, auth, people):
    sam = people["staff"]
    auth.login("olive")
    users_page = client.get("/admin/users").get_data(as_text=True)
    assert 'data-testid="keeper-sam"' in users_page and 'data-testid="keeper-drwho"' not in users_page
    response = auth.post(f"/admin/users/{sam.id}/keeper", {"keeper": "1"}, form_page="/admin/users")
    assert response.status_code == 302
    db.session.refresh(sam)
    assert sam.inventory_keeper is True
    assert "Sam Person now gets the low-stock alerts." in client.get("/admin/users").get_data(as_text=True)
    assert inventory.keepers_of_stock() == [sam]
    assert auth.post("/admin/users/99999/keeper", {"keeper": "1"}, form_page="/admin/users").status_code == 404
    auth.post(f"/admin/users/{sam.id}/keeper", {"keeper": "0"}, form_page="/admin/users")
    db.session.refresh(sam)
    assert sam.inventory_keeper is False
    auth.logout()
    auth.login("sam")
    assert auth.post(f"/admin/users/{sam.id}/keeper", {"keeper": "1"}).status_code == 403


def test_low_stock_alerts_once_per_crossing(client, auth, people):
    sam = people["staff"]
    auth.login("olive")
    auth.post(f"/admin/users/{sam.id}/keeper", {"keeper": "1"}, form_page="/admin/users")
    auth.logout()
    item = _item(people, name="Gloves", quantity=10, minimum_level=3, unit="boxes")
    auth.login("sam")

    assert _move(auth, item.id, "out", "7").status_code == 302  # 10 → 3: at the minimum
    emails, bells = _alerts(EmailMessage), _alerts(Notification)
    assert [e.to_addrs for e in emails] == ["sam@clinic.example.org"]
    assert [(b.user_id, b.link) for b in bells] == [(sam.id, f"/inventory/items/{item.id}")]
    assert emails[0].subject == "Low stock: Gloves (3 boxes left)"
    assert f"http://clinic.test/inventory/items/{item.id}" in emails[0].text

    assert _move(auth, item.id, "out", "2").status_code == 302  # 3 → 1: still low, no new alert
    assert len(_alerts(EmailMessage)) == 1 and len(_alerts(Notification)) == 1

    assert _move(auth, item.id, "in", "9", "Delivery").status_code == 302  # 1 → 10: above, re-armed
    assert len(_alerts(EmailMessage)) == 1 and len(_alerts(Notification)) == 1

    assert _move(auth, item.id, "out", "8").status_code == 302  # 10 → 2: a second crossing
    assert [e.to_addrs for e in _alerts(EmailMessage)] == ["sam@clinic.example.org"] * 2
    assert [b.user_id for b in _alerts(Notification)] == [sam.id, sam.id]

    page = client.get(f"/inventory/items/{item.id}").get_data(as_text=True)
    assert 'data-testid="low-badge"' in page
    listing = client.get("/inventory/?low=1").get_data(as_text=True)
    assert "Gloves" in listing and 'data-testid="low-badge"' in listing
    home = client.get("/home").get_data(as_text=True)
    assert "Low stock" in home and "2 boxes left, minimum 3" in home and f"/inventory/items/{item.id}" in home


def test_with_no_keeper_the_owner_is_alerted(client, auth, people):
    item = _item(people, quantity=5, minimum_level=2)
    auth.login("sam")
    assert _move(auth, item.id, "out", "4").status_code == 302
    assert [e.to_addrs for e in _alerts(EmailMessage)] == ["olive@clinic.example.org"]
    assert [b.user_id for b in _alerts(Notification)] == [people["owner"].id]


def test_the_home_panel_says_when_nothing_is_low(client, auth, people):
    _item(people, quantity=10, minimum_level=2)
    auth.login("sam")
    assert "Nothing is low on stock." in client.get("/home").get_data(as_text=True)
