"""Tables, one module per domain. Importing this package registers them all."""

from dashboard.models.billing import OWING, Invoice, InvoiceItem, InvoiceStatus, Payment
from dashboard.models.inventory import Item, StockMovement
from dashboard.models.notification import Notification
from dashboard.models.offers import (
    OPEN_OFFERS,
    InterestReason,
    Offer,
    OfferStatus,
    PatientEmailPreference,
    PatientMessage,
    WaitlistEntry,
)
from dashboard.models.outbox import EmailAttachment, EmailMessage, EmailStatus, NotificationPreference
from dashboard.models.patient import Patient
from dashboard.models.practitioner import Practitioner
from dashboard.models.schedule import (
    Appointment,
    AppointmentStatus,
    RequestStatus,
    RescheduleRequest,
    Slot,
    SlotStatus,
)
from dashboard.models.user import Role, User

__all__ = [
    "OWING",
    "Invoice",
    "InvoiceItem",
    "InvoiceStatus",
    "Item",
    "Payment",
    "StockMovement",
    "OPEN_OFFERS",
    "InterestReason",
    "Offer",
    "OfferStatus",
    "PatientEmailPreference",
    "PatientMessage",
    "WaitlistEntry",
    "Appointment",
    "AppointmentStatus",
    "EmailAttachment",
    "EmailMessage",
    "EmailStatus",
    "Notification",
    "NotificationPreference",
    "Patient",
    "Practitioner",
    "RequestStatus",
    "RescheduleRequest",
    "Role",
    "Slot",
    "SlotStatus",
    "User",
]
