"""Column helpers shared by the domain models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend.

    SQLite stores no offset, so values come back naive; this type stores UTC
    and always hands back an aware datetime, making comparisons with
    `utcnow()` safe everywhere.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use an aware UTC datetime")
            value = value.astimezone(UTC)
        return value

    def bind_processor(self, dialect):
        """As the dialect writes it, remembering the last value: a fan-out's thousands of rows
        share one `now`, and formatting it again for each costs more than the row's insert."""
        process = super().bind_processor(dialect)
        if process is None:
            return None
        last = (None, None)

        def remembered(value):
            nonlocal last
            seen, written = last  # one tuple, so two threads never read half of each other's
            if value is not None and value is seen:
                return written
            written = process(value)
            last = (value, written)
            return written

        return remembered

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def render_migration_item(type_, obj, autogen_context):
    """Let `flask db migrate` write our column types as plain SQLAlchemy ones."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
