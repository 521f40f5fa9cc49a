"""Logging through `logging`, each line tagged with its request or job."""

import logging
import re
import uuid

from flask import Flask, g, has_request_context, request

REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
FORMAT = "%(asctime)s %(levelname)s %(process)d [%(context)s] %(name)s: %(message)s"


class ContextFilter(logging.Filter):
    """Adds `record.context`: `req=<id>` in a request, `job=<id>` in an RQ job."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.context = current_context()
        return True


def current_context() -> str:
    if has_request_context():
        return f"req={getattr(g, 'request_id', '-')}"
    from rq import get_current_job

    job = get_current_job()
    return f"job={job.id}" if job else "-"


def init_app(app: Flask) -> None:
    root = logging.getLogger()
    if not any(isinstance(f, ContextFilter) for h in root.handlers for f in h.filters):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(ContextFilter())
        root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    @app.before_request
    def _tag_request() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex[:12]

    @app.after_request
    def _echo_request_id(response):
        response.headers["X-Request-ID"] = getattr(g, "request_id", "")
        return response
