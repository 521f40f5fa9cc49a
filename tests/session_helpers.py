"""A test client whose every request finds out who is logged in afresh, as a real one does.

The `app` fixture keeps an app context open for the whole test, and Flask reuses it for the
client's requests, so Flask-Login's `g._login_user` would carry over from one request (or one
client) to the next (a logout would seem to end the next client's session too), and so would
Flask-WTF's CSRF token. A real request starts with an empty `g`: so does each of these."""

from flask import g
from flask.testing import FlaskClient


class FreshUserClient(FlaskClient):
    def open(self, *args, **kwargs):
        for name in list(g):
            g.pop(name)
        return super().open(*args, **kwargs)
