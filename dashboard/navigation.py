"""Where to send people after an action, without ever leaving this site."""

from urllib.parse import urlsplit

from flask import current_app, request, url_for


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (no open redirects)."""
    if not target or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        if parts.netloc != request.host:
            return None
        target = parts.path + (f"?{parts.query}" if parts.query else "")
    if not target.startswith("/") or target.startswith("//"):
        return None
    return target


def back(default_endpoint: str) -> str:
    """The page the form was posted from, or `default_endpoint`."""
    return local_path(request.referrer) or url_for(default_endpoint)


def path_for(endpoint: str, **values) -> str:
    """A URL path for `endpoint` that works outside a request too (jobs, CLI)."""
    adapter = current_app.extensions.get("path_adapter")
    if adapter is None:  # bound once per app: a fan-out builds thousands of links
        adapter = current_app.extensions["path_adapter"] = current_app.url_map.bind("")
    return adapter.build(endpoint, values)


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for emails, on the site's public address (BASE_URL)."""
    return current_app.config["BASE_URL"].rstrip("/") + path_for(endpoint, **values)
