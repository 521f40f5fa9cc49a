"""Appointments: booking, confirming, cancelling and moving them, and what each one tells whom.

    booking.py     a patient into an open slot (one conditional UPDATE claims it) or at a
                   time outside the schedule; the same form posted twice books once
    changes.py     confirm (the desk; the patient's "I'll be there": `patient_confirms`),
                   cancel, record the outcome, "an earlier time, please"; a cancelled
                   appointment's slot opens again
    reschedule.py  requests to move: asked, queued, approved (the move) or declined, expired;
                   the desk's own move (`move_to`)
    emails.py      the patient's emails (held for the grace period) and the desk's notice
    listing.py     the lists, a page at a time

Callers use the names below (`appointments.book(...)`); the modules import each other
directly, never through this package.
"""

from dashboard.services.appointments.booking import REASON_LENGTH, Booked, SlotTaken, book, claim, create
from dashboard.services.appointments.changes import (
    PatientSaid,
    cancel,
    cancel_preview,
    confirm,
    free_slot,
    get,
    patient_confirms,
    record_outcome,
    set_wants_earlier,
)
from dashboard.services.appointments.emails import open_times_link, tell_desk_about
from dashboard.services.appointments.listing import LISTS, listing
from dashboard.services.appointments.reschedule import (
    approve_reschedule,
    expire_requests,
    move,
    move_to,
    pending_requests,
    reject_preview,
    reject_reschedule,
    request_reschedule,
    requests_for,
)

__all__ = [
    "LISTS",
    "REASON_LENGTH",
    "Booked",
    "PatientSaid",
    "SlotTaken",
    "approve_reschedule",
    "book",
    "cancel",
    "cancel_preview",
    "claim",
    "confirm",
    "create",
    "expire_requests",
    "free_slot",
    "get",
    "listing",
    "move",
    "move_to",
    "open_times_link",
    "patient_confirms",
    "pending_requests",
    "record_outcome",
    "reject_preview",
    "reject_reschedule",
    "request_reschedule",
    "requests_for",
    "set_wants_earlier",
    "tell_desk_about",
]
