"""Render an email's subject, HTML and text, at the moment it is written.

The outbox stores the result, so the log shows exactly what went out. HTML
gets its CSS inlined (mail clients drop <style> blocks); dates are shown in
the clinic's time zone through the same filters the pages use.
"""

from dataclasses import dataclass
from types import SimpleNamespace

import css_inline
from flask import current_app

from dashboard.notify.kinds import get

_inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


@dataclass
class Rendered:
    subject: str
    html: str
    text: str


def clinic_context() -> SimpleNamespace:
    config = current_app.config
    return SimpleNamespace(
        name=config["CLINIC_NAME"],
        address=config["CLINIC_ADDRESS"],
        phone=config["CLINIC_PHONE"],
        colour=config["CLINIC_BRAND_COLOUR"],
        timezone=config["CLINIC_TIMEZONE"],
    )


def render_email(kind: str, context: dict) -> Rendered:
    """Emails need only their context and the filters: rendering them straight
    from the environment skips the page context processors (bell, login, CSRF),
    which matters when a fan-out writes thousands."""
    spec = get(kind)
    env = current_app.jinja_env
    context = {"clinic": clinic_context(), "kind": spec, **context}
    subject = " ".join(_subject_template(env, kind).render(context).split())  # one line, no CR/LF
    html = env.get_template(f"emails/{kind}.html").render(context, subject=subject)
    text = env.get_template(f"emails/{kind}.txt").render(context, subject=subject)
    return Rendered(subject=subject, html=_inliner.inline(html), text=text.strip() + "\n")


def _subject_template(env, kind: str):
    cache = env.globals.setdefault("_email_subjects", {})
    if kind not in cache:
        cache[kind] = env.from_string(get(kind).subject)
    return cache[kind]
