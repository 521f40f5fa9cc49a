"""Entry point for `flask --app wsgi` and `gunicorn wsgi:app`."""

from dashboard import create_app

app = create_app()
