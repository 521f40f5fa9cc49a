"""Tables, one module per domain. Importing this package registers them all."""

from dashboard.models.notification import Notification
from dashboard.models.outbox import EmailAttachment, EmailMessage, EmailStatus, NotificationPreference
from dashboard.models.patient import Patient
from dashboard.models.practitioner import Practitioner
from dashboard.models.user import Role, User

__all__ = [
    "EmailAttachment",
    "EmailMessage",
    "EmailStatus",
    "Notification",
    "NotificationPreference",
    "Patient",
    "Practitioner",
    "Role",
    "User",
]
