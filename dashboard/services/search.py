"""The search box's condition, shared by every list that has one."""

from sqlalchemy import ColumnElement, func, or_

ESCAPE = "\\"


def containing(term: str, *columns) -> ColumnElement[bool]:
    """Any of `columns` contains `term`, ignoring case; %, _ and \\ in the term match themselves."""
    escaped = term.strip().lower().replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    pattern = f"%{escaped}%"
    return or_(*(func.lower(column).like(pattern, escape=ESCAPE) for column in columns))
