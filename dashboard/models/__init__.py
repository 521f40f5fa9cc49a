"""Tables, one module per domain. Importing this package registers them all."""

from dashboard.models.notification import Notification
from dashboard.models.patient import Patient
from dashboard.models.practitioner import Practitioner
from dashboard.models.user import Role, User

__all__ = ["Notification", "Patient", "Practitioner", "Role", "User"]
