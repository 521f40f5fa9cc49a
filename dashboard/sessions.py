"""Flask's signed-cookie sessions, lasting the SESSION_HOURS setting (the owner may change it on
/admin/settings; the next request counts by the new length, sessions already open among them).

A session is refused once its cookie was last written longer ago than that, as Flask does with
PERMANENT_SESSION_LIFETIME; only where the length comes from differs.
"""

from datetime import UTC, datetime, timedelta

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

from dashboard.settings import setting


def lifetime() -> timedelta:
    return timedelta(hours=setting("SESSION_HOURS"))


class SettingsSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        try:
            return self.session_class(serializer.loads(cookie, max_age=int(lifetime().total_seconds())))
        except BadSignature:
            return self.session_class()

    def get_expiration_time(self, app: Flask, session) -> datetime | None:
        return datetime.now(UTC) + lifetime() if session.permanent else None
