"""Domain events: what happened, for whoever cares, without the sender importing them.

Signals (blinker, which Flask ships) let a lower module announce a fact that a higher
one acts on: the schedule and the appointments say that slots opened, and the offers
(which build on both) subscribe, so neither imports the offers. Receivers are connected
when their module is imported; the application factory imports them all.

    slots_opened.send(practitioner_id, slot_ids=[...])   new or unblocked slots
    slot_freed.send(practitioner_id, slot_id=...)        a booked slot opened again
                                                          (a cancellation or a move)
    slots_closed.send(practitioner_id, slot_ids=[...])   slots blocked or removed: what was
                                                          offered of them is withdrawn

Receivers run in the sender's transaction and must not commit it.
"""

from blinker import Namespace

_signals = Namespace()

slots_opened = _signals.signal("slots-opened", doc="Slots a practitioner just opened (sender: practitioner id).")
slot_freed = _signals.signal("slot-freed", doc="A booked slot opened again (sender: practitioner id).")
slots_closed = _signals.signal("slots-closed", doc="Slots blocked or removed (sender: practitioner id).")
