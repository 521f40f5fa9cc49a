"""What patients see and change from the signed links in their emails (they never log in).

The link is the authority: each function takes the ids a link carried and
checks that the rows exist and belong together (an appointment of another
patient is as missing as one that doesn't exist). Booking, confirming,
cancelling and moving go through the offers and appointments services; this
package adds the patient's side:

- `lookup`: loading what a link points at (NotFound when it is gone or someone else's);
- `waiting`: the offers a patient may still book, and "keep me on the waiting list";
- `page`: the patient's own page (upcoming appointments, messages, open offers);
- `email_choices`: their email preferences and one-click unsubscribe;
- `changes`: a patient says they're coming (confirming a requested appointment), cancels or asks
  to move one, and the desk hears of it.

Submodules import each other directly, never through this package.
"""

from dashboard.services.portal.changes import ask_to_move, cancel, confirm
from dashboard.services.portal.email_choices import (
    optional_kind,
    optional_kinds,
    preferences,
    save_preferences,
    unsubscribe,
)
from dashboard.services.portal.lookup import (
    MAX_ID,
    NotFound,
    appointment,
    is_past,
    offer,
    patient,
    pending_request,
    practitioner,
    slot,
)
from dashboard.services.portal.page import MESSAGES_SHOWN, Overview, overview
from dashboard.services.portal.waiting import Waiting, bookable, keep_waiting, open_offers

__all__ = [
    "MAX_ID",
    "MESSAGES_SHOWN",
    "NotFound",
    "Overview",
    "Waiting",
    "appointment",
    "ask_to_move",
    "bookable",
    "cancel",
    "confirm",
    "is_past",
    "keep_waiting",
    "offer",
    "open_offers",
    "optional_kind",
    "optional_kinds",
    "overview",
    "patient",
    "pending_request",
    "practitioner",
    "preferences",
    "save_preferences",
    "slot",
    "unsubscribe",
]
