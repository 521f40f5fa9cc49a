"""The demo clinic (`flask seed-demo`): believable down to its invoices."""

from datetime import timedelta

from sqlalchemy import select

from dashboard.clinic_time import clinic_today
from dashboard.extensions import db
from dashboard.models import Invoice
from dashboard.models.billing import OWING


def test_every_demo_invoice_is_issued_on_or_before_its_due_date_and_some_are_overdue(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    invoices = db.session.scalars(select(Invoice).order_by(Invoice.number)).all()
    assert invoices
    assert all(i.issued_on <= i.due_on for i in invoices), [(i.number, i.issued_on, i.due_on) for i in invoices]
    assert all(i.due_on - i.issued_on == timedelta(days=app.config["INVOICE_DUE_DAYS"]) for i in invoices)
    assert all(i.issued_on <= clinic_today() for i in invoices)
    overdue = [i for i in invoices if i.status in OWING and i.due_on < clinic_today()]
    assert overdue, "the demo should show overdue invoices"
    # Numbered in the order they were issued.
    assert [i.issued_on for i in invoices] == sorted(i.issued_on for i in invoices)
