"""Reading what a staff page was asked for: ids and page numbers, never a 500.

Ids beyond what the databases hold (PostgreSQL's integer; SQLite overflows on
larger) are simply not there, and page numbers are clamped, so no URL a person
can type reaches the database as something it can't take.
"""

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

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


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
