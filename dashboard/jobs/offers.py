"""Offer jobs: the fan-out when slots open, and the cron's minute for holds and late offers."""

from dashboard.services import offers


def fan_out(practitioner_id: int, slot_ids: list[int] | None = None) -> dict:
    """`slot_ids` None: a coalescing window's end, every slot of theirs still owed an offer."""
    ids = None if slot_ids is None else [int(i) for i in slot_ids]
    return offers.fan_out(int(practitioner_id), ids)


def advance() -> dict:
    return offers.advance()
