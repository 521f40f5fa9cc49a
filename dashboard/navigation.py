"""Where to send people after an action, without ever leaving this site; and the
addresses emails link to."""

import re
from collections.abc import Callable
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


# What a link's values may hold to be put into a URL as they are: signed tokens (URL-safe
# base64 and dots) and ids. Anything else goes through the URL map, which quotes it.
PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.-]+")
MARKER = 7153902846093000


def link_maker(endpoint: str) -> Callable[..., str]:
    """`external_url` for one endpoint, for a job that builds thousands of links to it: the URL
    map builds the address once with markers in place of the values, and each link is that
    address with its values put in (values that would need quoting go through the URL map)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    cache = current_app.extensions.setdefault("link_makers", {})
    made = cache.get((endpoint, base))
    if made is not None:
        return made
    rule = next(iter(current_app.url_map.iter_rules(endpoint)))
    names = sorted(rule.arguments)
    # Markers are numbers, which every converter (int among them) writes as they are.
    marked = external_url(endpoint, **{name: MARKER + n for n, name in enumerate(names)})
    parts = re.split(f"{MARKER // 1000}(\\d{{3}})", marked)
    literals, order = parts[0::2], [int(n) for n in parts[1::2]]

    pieces = list(zip(order, literals[1:], strict=True))
    head = literals[0]
    count = len(names)

    def make(**values) -> str:
        if len(values) != count:
            return external_url(endpoint, **values)
        out = head
        for index, literal in pieces:
            value = values.get(names[index])
            if type(value) is int:
                out += str(value) + literal
            elif type(value) is str and PLAIN_VALUE.fullmatch(value):
                out += value + literal
            else:  # missing, or needs quoting: the URL map says what it should be
                return external_url(endpoint, **values)
        return out

    cache[(endpoint, base)] = make
    return make
