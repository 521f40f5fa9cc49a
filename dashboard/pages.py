"""Reading what a staff page was asked for: ids and page numbers, never a 500.

Ids beyond what the databases hold (PostgreSQL's integer; SQLite overflows on
larger) are simply not there, and page numbers are clamped, so no URL a person
can type reaches the database as something it can't take.
"""

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, abort, request, url_for
from sqlalchemy import Select
from werkzeug.routing import IntegerConverter

from dashboard.extensions import db

MAX_ID = 2**31 - 1
MAX_PAGE = 10_000


def int_or_none(value) -> int | None:
    """A query or select value as an id; blank or junk is None (the service then says what is missing)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def id_or_404(value: int) -> int:
    if not 0 < value <= MAX_ID:
        abort(404)
    return value


def page_number(name: str = "page") -> int:
    return min(max(request.args.get(name, 1, type=int), 1), MAX_PAGE)


SEARCH_LENGTH = 100


def search_term(name: str = "q") -> str:
    """What was typed in a search box, trimmed to a length worth searching for."""
    return request.args.get(name, "", type=str).strip()[:SEARCH_LENGTH]


def found_or_404(get, row_id: int):
    """`get(row_id)` from a service (which raises LookupError for a missing row), or a 404."""
    try:
        return get(id_or_404(row_id))
    except LookupError:
        abort(404)


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a number too large for an id doesn't match (404)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002  (werkzeug's name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


@dataclass
class Page:
    """One page of a list, the one shape every list page takes (and `_pagination.html` reads).

    "Has next" comes from fetching one row more than is shown, never from a COUNT, so a
    deep page of a large table costs what the first does."""

    items: list[Any]
    number: int
    per_page: int
    has_next: bool
    totals: dict[str, Any] = field(default_factory=dict)  # what a list sums beyond its page (billing's owing)

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def first_rows(rows: list[Any], number: int, per_page: int, **totals) -> Page:
    """A Page from up to `per_page + 1` rows fetched for page `number`."""
    return Page(list(rows[:per_page]), number, per_page, len(rows) > per_page, totals)


def page_of(query: Select, number: int, per_page: int, **totals) -> Page:
    """Page `number` (from 1) of an ordered SELECT of one entity."""
    number = min(max(number, 1), MAX_PAGE)
    rows = db.session.scalars(query.offset((number - 1) * per_page).limit(per_page + 1)).unique().all()
    return first_rows(list(rows), number, per_page, **totals)


def page_url(number: int) -> str:
    """The link to page `number` of the list on screen, keeping every filter of its query string
    (repeated keys too) and its path's values."""
    values: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict(flat=False)}
    values["page"] = number
    return url_for(request.endpoint or "main.home", **values)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.add_template_global(page_url)
