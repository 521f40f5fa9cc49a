"""Every kind of email the clinic sends, and what each one is.

`subject` is a Jinja template rendered with the same context as the body.
`audience` says who receives it: a patient, or staff (who may choose per
kind whether they also want it by email). `optional` emails are the ones a
patient may unsubscribe from; `calendar` ones carry an .ics invitation
with that iTIP method (REQUEST adds or updates the patient's calendar entry,
CANCEL removes it).
`personal` names the context objects that are each recipient's own (read
attribute by attribute: their name), so that a batch to many recipients is
rendered once and filled in for each (dashboard.notify.batch; strings that
differ between recipients, such as their links, need no naming).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    subject: str
    audience: str  # "patient" | "staff"
    optional: bool = False
    calendar: str | None = None  # the .ics method: "REQUEST" or "CANCEL"
    personal: tuple[str, ...] = ("patient",)


KINDS = {
    kind.name: kind
    for kind in [
        Kind(
            "appointment_confirmation",
            "Appointment confirmation",
            "Your appointment with {{ appointment.practitioner_name }} on {{ appointment.starts_at | clinic_date }}",
            "patient",
            calendar="REQUEST",
        ),
        Kind(
            "appointment_reminder",
            "Appointment reminder",
            "Reminder: {{ appointment.practitioner_name }}, {{ appointment.starts_at | clinic_datetime }}",
            "patient",
            optional=True,
            calendar="REQUEST",
        ),
        Kind(
            "appointment_cancelled",
            "Appointment cancelled",
            "Your appointment on {{ appointment.starts_at | clinic_date }} is cancelled",
            "patient",
            calendar="CANCEL",
        ),
        Kind(
            "reschedule_approved",
            "Reschedule approved",
            "Your appointment has moved to {{ appointment.starts_at | clinic_datetime }}",
            "patient",
            calendar="REQUEST",
        ),
        Kind(
            "reschedule_rejected",
            "Reschedule not possible",
            "About your request to reschedule your appointment on {{ appointment.starts_at | clinic_date }}",
            "patient",
        ),
        Kind("invoice", "Invoice", "Invoice {{ invoice.number }} from {{ clinic.name }}", "patient"),
        Kind(
            "payment_confirmation",
            "Payment confirmation",
            "Payment received, thank you ({{ invoice.number }})",
            "patient",
        ),
        Kind(
            "payment_reminder",
            "Payment reminder",
            "Invoice {{ invoice.number }} is {{ days_overdue | plural('day') }} overdue",
            "patient",
            optional=True,
        ),
        Kind(
            "invoice_void",
            "Invoice cancelled",
            "Invoice {{ invoice.number }} is cancelled: nothing to pay",
            "patient",
        ),
        # The desk's own words: the subject is a value printed, never a template evaluated.
        Kind("desk_message", "Message from the clinic", "{{ message_subject }}", "patient"),
        Kind(
            "low_stock_alert",
            "Low-stock alert",
            "Low stock: {{ item.name }} ({{ item.quantity | stock_left(item.unit) }})",
            "staff",
        ),
        Kind(
            "new_appointment_notice",
            "New appointment",
            "New appointment: {{ patient.name }} with {{ appointment.practitioner_name }}, "
            "{{ appointment.starts_at | clinic_datetime }}",
            "staff",
        ),
        Kind(
            "new_availability",
            "New availability",
            "{{ practitioner.name }} has new times available",
            "patient",
            optional=True,
            personal=("patient", "book_links"),  # each patient's booking links: {slot id: url}
        ),
        Kind(
            "delivery_failed",
            "Email delivery failed",
            "An email could not be delivered: {{ failed.subject }}",
            "staff",
        ),
    ]
}


def get(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown email kind {name!r}") from None


def label_of(name: str) -> str:
    """A kind as people read it ("New availability"), for the outbox; an unknown (retired) kind
    by its name in words."""
    kind = KINDS.get(name)
    return kind.label if kind else name.replace("_", " ").capitalize()


def staff_kinds() -> list[Kind]:
    return [k for k in KINDS.values() if k.audience == "staff"]
