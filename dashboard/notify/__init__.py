"""The one way the rest of the code tells people things.

    notify.email("appointment_confirmation", to=patient.email, context={...}, dedupe_key=...)
    notify.bell(notify.desk(), "new_appointment_notice", "New appointment", link=..., email_context={...})
    notify.cancel(dedupe_key=...)

Everything is written in the caller's transaction and handed to the
workers only after it commits (see DESIGN.md, "The path of one email").
"""

from dashboard.notify.in_app import bell, desk, desk_and, owners
from dashboard.notify.outbox import Attachment, Message, email, emails
from dashboard.notify.queued import cancel, used_keys

__all__ = ["Attachment", "Message", "bell", "cancel", "desk", "desk_and", "email", "emails", "owners", "used_keys"]
