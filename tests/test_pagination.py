"""Every list's pager keeps the list's filters: page 2 of a filtered list is page 2 of that list."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from dashboard import notify
from dashboard.extensions import db
from dashboard.models import EmailMessage, EmailStatus
from dashboard.notify.samples import sample_context
from dashboard.pages import page_url

PER_PAGE = 50  # the outbox's page


def _write(kind: str, status: str, n: int) -> None:
    for i in range(n):
        message_id = notify.email(
            kind, to=f"tāne.{kind}.{status}.{i}@patients.example.org", context=sample_context(kind)
        )
        db.session.get(EmailMessage, message_id).status = status
    db.session.commit()


def _next_link(page: str) -> str | None:
    found = re.search(r'<a class="page-link" href="([^"]+)" rel="next">', page)
    return unescape(found.group(1)) if found else None


def _rows(page: str) -> list[str]:
    return re.findall(r'data-testid="outbox-row".*?</tr>', page, flags=re.S)


def test_page_two_of_a_filtered_outbox_keeps_kind_and_status(client, auth, people):
    _write("low_stock_alert", EmailStatus.QUEUED, PER_PAGE + 5)
    _write("low_stock_alert", EmailStatus.SENT, 10)
    _write("invoice", EmailStatus.QUEUED, 10)
    auth.login("olive")

    first = client.get("/admin/outbox?kind=low_stock_alert&status=queued").get_data(as_text=True)
    assert len(_rows(first)) == PER_PAGE
    link = _next_link(first)
    assert link is not None
    query = parse_qs(urlsplit(link).query)
    assert query == {"kind": ["low_stock_alert"], "status": ["queued"], "page": ["2"]}

    second = client.get(link).get_data(as_text=True)
    rows = _rows(second)
    assert len(rows) == 5  # the 55 queued low-stock alerts, not every kind and status
    assert all("tāne.low_stock_alert.queued" in row for row in rows)
    assert _next_link(second) is None
    assert 'rel="prev"' in second


def test_the_pager_keeps_a_search_and_a_repeated_key(app):
    with app.test_request_context("/admin/outbox?recipient=P%C5%8Dmare&kind=a&kind=b&page=3"):
        link = page_url(4)
    assert parse_qs(urlsplit(link).query) == {"recipient": ["Pōmare"], "kind": ["a", "b"], "page": ["4"]}
