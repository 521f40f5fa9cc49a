"""What patients do from the signed links in their emails, without logging in (under /p/).

One blueprint ("portal", in `blueprint`), its pages by what the patient does: `booking` (an
offered time: book it, turn it down, a practitioner's open times), `waiting` (stay on the
waiting list), `appointment` (see, confirm, cancel, ask to move one), `me` (their own page,
email preferences, unsubscribe); `links` reads the signed links and refuses.
"""

from dashboard.portal import appointment, booking, me, waiting  # noqa: F401  (their routes join the blueprint)
from dashboard.portal.blueprint import bp

__all__ = ["bp"]
