"""The offers' side of the slot events: what opens is offered, what closes is withdrawn.

The slots and the appointments announce (dashboard.events); this module, imported
with the offers package (which the application factory imports in every process),
connects the offers to them, so neither of those imports the offers. Receivers run in the sender's transaction
and never commit it.
"""

from dashboard import events
from dashboard.services.offers.openings import opened, withdraw


@events.slots_opened.connect
def _offer_opened(practitioner_id: int, *, slot_ids: list[int]) -> None:
    opened(practitioner_id, list(slot_ids))


@events.slot_freed.connect
def _offer_freed(practitioner_id: int, *, slot_id: int) -> None:
    opened(practitioner_id, [slot_id])


@events.slots_closed.connect
def _withdraw_closed(practitioner_id: int, *, slot_ids: list[int]) -> None:
    for slot_id in slot_ids:
        withdraw(slot_id)
