"""What the emails say, read as the person they go to would read it.

Counts agree with their nouns, an item's name is never the subject of a verb,
quantities have no trailing zeros, the patient who cancelled is told "You
cancelled", every email that closes a door offers another way in, and every
link in the gallery's samples points at a real page.
"""

import io
import re
import subprocess
import sys
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from config import DEFAULT_PAYMENT_INSTRUCTIONS
from dashboard import patient_links
from dashboard.extensions import db
from dashboard.models import EmailMessage, Notification
from dashboard.notify import samples
from dashboard.notify.kinds import KINDS
from dashboard.notify.render import render_email
from dashboard.notify.samples import sample_context
from dashboard.services import appointments, billing, inventory, portal
from dashboard.services.billing import Line
from dashboard.services.demo import DEMO_SETTINGS, demo_environment
from dashboard.services.users import set_active
from dashboard.wording import in_units, plural, quantity, stock_left
from tests.conftest import ROOT
from tests.factories import make_patient, make_slot, practitioner_of


def emails(kind: str) -> list[EmailMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(EmailMessage).where(EmailMessage.kind == kind).order_by(EmailMessage.id)))


# ------------------------------------------------------------------ the helpers


def test_counts_agree_with_their_nouns():
    assert plural(1, "day") == "1 day" and plural(3, "day") == "3 days" and plural(0, "patient") == "0 patients"
    assert plural(1, "invoice is", "invoices are") == "1 invoice is"
    assert plural(2, "invoice is", "invoices are") == "2 invoices are"
    assert in_units(3, "boxes") == "3 boxes" and in_units(1, "boxes") == "1 box" and in_units(1, "pairs") == "1 pair"
    assert in_units(10, "ml") == "10 ml" and in_units(1, "ml") == "1 ml" and in_units(4, "") == "4"
    assert stock_left(0, "boxes") == "none left" and stock_left(1, "packs") == "1 pack left"
    assert in_units(1, "supplies") == "1 supply" and in_units(1, "glasses") == "1 glass" and in_units(1, "kg") == "1 kg"
    assert plural(2, "reply") == "2 replies" and plural(2, "box") == "2 boxes" and plural(2, "day") == "2 days"
    assert plural(2, "payment reminder") == "2 payment reminders"


def test_quantities_have_no_trailing_zeros():
    shown = [quantity(Decimal(v)) for v in ["1.00", "2.00", "1.50", "0.25", "100.00"]]
    assert shown == ["1", "2", "1.5", "0.25", "100"]


# ------------------------------------------------------------------ low stock


@pytest.mark.parametrize(
    "name,unit,left,minimum,says,subject",
    [
        ("Face masks", "boxes", 3, 10, "Face masks: 3 boxes left, below the minimum of 10 boxes.", "(3 boxes left)"),
        ("Filling", "syringes", 1, 4, "Filling: 1 syringe left, below the minimum of 4 syringes.", "(1 syringe left)"),
        ("Gauze", "packs", 5, 5, "Gauze: 5 packs left, at the minimum of 5 packs.", "(5 packs left)"),
        ("Bibs", "", 0, 3, "Bibs: none left; the minimum is 3.", "(none left)"),
    ],
)
def test_the_low_stock_alert_reads_right_for_plural_and_singular_names(app, name, unit, left, minimum, says, subject):
    context = sample_context("low_stock_alert")
    context["item"].name, context["item"].unit = name, unit
    context["item"].quantity, context["item"].minimum_level = left, minimum
    email = render_email("low_stock_alert", context)
    assert says in email.text
    assert says in re.sub(r"<[^>]+>", "", email.html)
    assert email.subject == f"Low stock: {name} {subject}"
    for part in (email.text, email.html):
        assert " is down to " not in part and "has run out" not in part


def test_the_stock_bell_counts_in_the_items_unit(app, people):
    inventory.set_keeper(people["staff"].id, True)
    item = inventory.create_item(
        name="Face masks", sku="MSK", unit="boxes", quantity=5, minimum_level=2, by_user=people["owner"]
    )
    inventory.move(item.id, -4, "Used", by_user=people["staff"])
    [bell] = db.session.scalars(select(Notification).where(Notification.kind == "low_stock_alert")).all()
    assert bell.title == "Low stock: Face masks (1 box left, minimum 2)"
    with pytest.raises(billing.ServiceError, match=r"^Only 1 box left: you can't take out 2\.$"):
        inventory.move(item.id, -2, "Used", by_user=people["staff"])


def test_the_stock_pages_word_a_plural_name_and_a_single_unit_right(client, auth, people):
    item = inventory.create_item(
        name="Face masks", sku="MSK", unit="boxes", quantity=10, minimum_level=2, by_user=people["owner"]
    )
    auth.login("sam")
    page = f"/inventory/items/{item.id}"
    moved = auth.post(f"{page}/move", {"direction": "in", "quantity": "1", "reason": "Delivery"}, form_page=page)
    shown = client.get(moved.headers["Location"]).get_data(as_text=True)
    assert "1 box in; Face masks: 11 boxes in stock." in shown
    assert "Face masks now has" not in shown


# ------------------------------------------------------------------ invoices


def test_invoice_quantities_in_the_email_and_the_pdf_have_no_trailing_zeros(app, people):
    # As the form posts them: its quantity field shows (and so sends back) "1.00" unless the desk types "2".
    lines = [
        Line("Consultation", Decimal("1.00"), Decimal("85.00")),
        Line("Dressing", Decimal("1.50"), Decimal("8")),
        Line("Swab", Decimal("2"), Decimal("1")),
    ]
    billing.create_invoice(patient_id=make_patient("Zoë", "Müller").id, lines=lines, by_user=people["staff"])
    [email] = emails("invoice")
    assert "Consultation: 1 x $85.00" in email.text and "Dressing: 1.5 x $8.00" in email.text
    assert "Swab: 2 x $1.00 = $2.00" in email.text
    assert '<td class="num" align="right" style="' in email.html  # the cell is styled inline...
    cells = re.findall(r'<td class="num" align="right"[^>]*>([^<]*)</td>', email.html)
    assert cells[:2] == ["1", "$85.00"] and cells[3:5] == ["1.5", "$8.00"]
    assert ": 1.00 x" not in email.text and ": 1.50 x" not in email.text and ": 2.00 x" not in email.text
    [attachment] = email.attachments
    pdf = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(attachment.data)).pages)
    assert re.search(r"Consultation\s+1\s+\$85\.00", pdf), pdf
    assert re.search(r"Dressing\s+1\.5\s+\$8\.00", pdf), pdf


def test_the_default_payment_instructions_promise_no_bank_account(app, people):
    assert "bank" not in DEFAULT_PAYMENT_INSTRUCTIONS.lower()
    assert "reception" in DEFAULT_PAYMENT_INSTRUCTIONS and "call" in DEFAULT_PAYMENT_INSTRUCTIONS
    # An empty PAYMENT_INSTRUCTIONS= (as in .env.example) means the default, not nothing.
    shown = subprocess.run(
        [sys.executable, "-c", "import config; print(config.Config.PAYMENT_INSTRUCTIONS)"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PAYMENT_INSTRUCTIONS": ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert shown == DEFAULT_PAYMENT_INSTRUCTIONS


def test_the_demo_sets_a_bank_account_unless_the_clinic_did():
    assert "12-3456-0123456-00" in demo_environment({})["PAYMENT_INSTRUCTIONS"]
    assert demo_environment({"PAYMENT_INSTRUCTIONS": " "}) == DEMO_SETTINGS  # empty in .env: unset
    ours = demo_environment({"PAYMENT_INSTRUCTIONS": "Pay at the desk.", "PATH": "/bin"})
    assert ours == {"PAYMENT_INSTRUCTIONS": "Pay at the desk.", "PATH": "/bin"}


# ------------------------------------------------------------------ cancelled, and a way back


@pytest.fixture
def booked(app, people):
    practitioner = practitioner_of(people["practitioner"])
    patient = make_patient("Siobhán", "O'Brien")
    appointment = appointments.book(
        patient_id=patient.id, slot_id=make_slot(practitioner).id, by_user=people["staff"]
    ).appointment
    return appointment


def open_times_links(email: EmailMessage) -> list[dict]:
    """The ids each availability link in the email's text carries."""
    return [patient_links.read("availability", t) for t in re.findall(r"/p/availability/([^\s\"<>]+)", email.text)]


def test_a_patient_who_cancels_online_reads_you_cancelled(booked):
    portal.cancel(booked, "Feeling better")
    [email] = emails("appointment_cancelled")
    for part in (email.text, email.html):
        assert "You cancelled your appointment below." in part
        assert "sorry" not in part.lower() and "cancelled by" not in part
        assert "O&#39;Brien (online)" not in part and "O'Brien (online)" not in part
    assert booked.cancelled_by == "Siobhán O'Brien (online)"  # the desk's record keeps who
    assert open_times_links(email) == [{"p": booked.patient_id, "r": booked.practitioner_id}]
    assert ">Book again</a>" in email.html and "+64 9 555 0100" in email.text  # the phone stays a second way


def test_the_clinic_cancelling_says_who_apologises_and_offers_to_book_again(booked, people):
    appointments.cancel(booked.id, by_user=people["staff"], reason="Dr is away")
    [email] = emails("appointment_cancelled")
    assert "has been cancelled by Sam Person at the clinic." in email.text
    assert "We're sorry for any inconvenience" in email.text
    assert open_times_links(email) == [{"p": booked.patient_id, "r": booked.practitioner_id}]
    assert "Book again: http://clinic.test/p/availability/" in email.text


def test_no_book_again_once_the_practitioner_has_left(booked, people):
    set_active(people["practitioner"].id, False, acting_user_id=people["owner"].id)
    appointments.cancel(booked.id, by_user=people["staff"], reason="Dr has left the clinic")
    [email] = emails("appointment_cancelled")
    assert open_times_links(email) == [] and "Book again" not in email.html
    assert "Just call us on +64 9 555 0100." in email.text


def test_a_rejected_move_links_to_the_open_times(booked, people):
    request = appointments.request_reschedule(booked.id, note="", by_user=people["staff"])
    appointments.reject_reschedule(request.id, "Nothing free that week", people["staff"])
    [email] = emails("reschedule_rejected")
    assert open_times_links(email) == [{"p": booked.patient_id, "r": booked.practitioner_id}]
    assert ">See open times</a>" in email.html and "See open times: http://clinic.test/p/availability/" in email.text
    assert "call us on +64 9 555 0100" in email.text


# ------------------------------------------------------------------ the gallery's links


class _Hrefs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


# The page each kind of link in a context must open, and the purpose its token is signed for.
ENDPOINTS = {
    "manage_url": ("portal.appointment", "appointment"),
    "reschedule_url": ("portal.reschedule", "appointment"),
    "cancel_url": ("portal.cancel", "appointment"),
    "patient_url": ("portal.patient", "patient"),
    "unsubscribe_url": ("portal.unsubscribe", "unsubscribe"),
    "preferences_url": ("portal.preferences", "preferences"),
    "availability_url": ("portal.availability", "availability"),
    "more_url": ("portal.availability", "availability"),
    "book_url": ("portal.book", "book"),
    "item_url": ("inventory.detail", None),
    "appointment_url": ("appointments.detail", None),
    "outbox_url": ("outbox.detail", None),
}


def expected_links(context: dict) -> dict[str, str]:
    """Each URL in the sample context, mapped to the name of the context key it came from."""
    found = {value: key for key, value in context.items() if key in ENDPOINTS and value}
    for url in context.get("book_links", {}).values():
        found[url] = "book_url"
    return found


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_link_in_every_sample_opens_a_real_page(app, kind):
    base = app.config["BASE_URL"]
    adapter = app.url_map.bind("clinic.test")
    context = sample_context(kind)
    parser = _Hrefs()
    parser.feed(render_email(kind, context).html)
    ours = [href for href in parser.hrefs if href.startswith(base)]
    expected = expected_links(context)
    if kind not in {"invoice", "payment_confirmation", "reschedule_approved"}:  # these carry no link to the site
        assert ours, f"{kind}: no link to the site"
    assert set(ours) <= set(expected), f"{kind}: links not made from the context: {set(ours) - set(expected)}"
    for href in ours:
        endpoint, args = adapter.match(href.removeprefix(base), method="GET")
        wanted, purpose = ENDPOINTS[expected[href]]
        assert endpoint == wanted, f"{kind}: {href} opens {endpoint}, not {wanted}"
        if purpose:
            assert patient_links.read(purpose, args["token"])["p"] == samples.PATIENT_ID
