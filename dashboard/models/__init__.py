"""Tables, one module per domain. Importing this package registers them all."""

from dashboard.models.appointment import ACTIVE, Appointment, AppointmentStatus, RequestStatus, RescheduleRequest
from dashboard.models.billing import OWING, Invoice, InvoiceItem, InvoiceStatus, Payment
from dashboard.models.desk_message import DeskMessage, DeskMessageStatus
from dashboard.models.email_template import EmailTemplateVersion
from dashboard.models.inventory import Item, StockMovement
from dashboard.models.notification import Notification
from dashboard.models.offer import OPEN_OFFERS, InterestReason, Offer, OfferStatus
from dashboard.models.outbox import EmailAttachment, EmailMessage, EmailStatus, NotificationPreference
from dashboard.models.patient import Patient, PatientEmailPreference, PatientMessage, fold, patient_number, phone_digits
from dashboard.models.practitioner import Practitioner
from dashboard.models.setting import ClinicLogo, ClinicSetting, SettingChange
from dashboard.models.slot import Slot, SlotStatus
from dashboard.models.user import Role, User
from dashboard.models.waitlist import WaitlistEntry

__all__ = [
    "ACTIVE",
    "DeskMessage",
    "DeskMessageStatus",
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
    "ClinicLogo",
    "ClinicSetting",
    "SettingChange",
    "AppointmentStatus",
    "EmailAttachment",
    "EmailMessage",
    "EmailTemplateVersion",
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
    "fold",
    "patient_number",
    "phone_digits",
]
