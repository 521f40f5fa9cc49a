"""New availability, offered to the patients waiting for it.

When slots open (added, or freed by a cancellation, a move or an unblock), the change
records them on the session (`opened`) and, after it commits, the practitioner's fan-out is
scheduled: the request returns at once. Openings are coalesced (OFFER_COALESCE_SECONDS), so
a morning of cancellations reaches each patient as one email per window, not one per
cancellation. The job (`fan_out`) takes every slot of theirs still owed an offer, finds who
is interested and offers the times, to everyone at once or one at a time (OFFER_MODE).

By what it does:

- `settings`: the mode, how many times an email shows, the batch size;
- `openings`: `opened` / `withdraw` (slots opening and closing) and the after-commit queueing;
- `interest`: who is interested and in what order;
- `fan_out_job`: the fan-out, everyone at once or one at a time;
- `holds`: one at a time, holding a slot for the next in line;
- `every_minute`: the cron's minute (`advance`): holds run out, offers expire, late fan-outs;
- `bookable`: the one rule for whether an offer can still be booked (`why_not_bookable`);
- `from_link`: a patient books or declines from their link, and other open times;
- `audit`: who was offered which slot, for the staff's view;
- `rows`: what all of it writes (offers, emails, messages, bells);
- `receivers`: connected to dashboard.events, so slots opening and closing reach `openings`.

Submodules import each other directly, never through this package.
"""

from dashboard.services.offers import receivers  # noqa: F401  (connects the slot events)
from dashboard.services.offers.audit import for_slot, recent
from dashboard.services.offers.bookable import NotBookable, hold_ran_out, why_not_bookable
from dashboard.services.offers.every_minute import advance
from dashboard.services.offers.fan_out_job import fan_out, opening_key
from dashboard.services.offers.from_link import FromLink, alternatives_for, book, decline, offer_for, taken_practitioner
from dashboard.services.offers.interest import Interest, Person, interested
from dashboard.services.offers.openings import CATCH_UP_MARGIN, FAN_OUT_JOB, OPENED, opened, window_key, withdraw
from dashboard.services.offers.settings import (
    BATCH,
    EVERYONE,
    MODES,
    ONE_AT_A_TIME,
    SHOWN,
    coalesce_seconds,
    mode,
)

__all__ = [
    "BATCH",
    "CATCH_UP_MARGIN",
    "EVERYONE",
    "FAN_OUT_JOB",
    "MODES",
    "ONE_AT_A_TIME",
    "OPENED",
    "SHOWN",
    "FromLink",
    "Interest",
    "NotBookable",
    "Person",
    "advance",
    "alternatives_for",
    "book",
    "coalesce_seconds",
    "decline",
    "fan_out",
    "for_slot",
    "hold_ran_out",
    "interested",
    "mode",
    "offer_for",
    "opened",
    "opening_key",
    "recent",
    "taken_practitioner",
    "why_not_bookable",
    "window_key",
    "withdraw",
]
