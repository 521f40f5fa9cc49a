"""Offer jobs: the fan-out when slots open, and the cron's minute for holds and late offers."""

from dashboard.services import offers


def fan_out(practitioner_id: int, slot_ids: list[int]) -> dict:
    return offers.fan_out(int(practitioner_id), [int(i) for i in slot_ids])


def advance() -> dict:
    return offers.advance()
