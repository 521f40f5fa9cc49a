"""The naive baseline for delivery_throughput: one RQ job per email, a NEW SMTP connection per email.

Run by the real worker (`python worker.py --burst`), which forks one work horse per job and
runs it inside the app context, exactly as it runs our delivery job. The job stamps the row
(claimed_at when it starts, sent_at when the server accepted the message) so its throughput
is measured from the rows' timestamps the same way as ours.
"""

import smtplib
from email.utils import parseaddr

from flask import current_app

from bench._common import stdlib_message
from dashboard.extensions import db
from dashboard.models import EmailMessage, EmailStatus
from dashboard.models.base import utcnow


def send_one(message_id: int) -> str:
    started = utcnow()
    message = db.session.get(EmailMessage, message_id)
    mime = stdlib_message(message)
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        smtp.send_message(mime, from_addr=parseaddr(config["MAIL_DEFAULT_SENDER"])[1], to_addrs=message.recipients)
    message.claimed_at = started
    message.sent_at = utcnow()
    message.status = EmailStatus.SENT
    message.smtp_message_id = mime["Message-ID"]
    db.session.commit()
    return mime["Message-ID"]
