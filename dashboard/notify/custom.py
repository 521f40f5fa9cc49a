"""The owner's own words for a kind of email (/admin/emails), compiled in a sandbox.

An owner edits three parts of a kind: its subject, the *content block* of its HTML and
the content block of its text. The branded shell (_base.html/_base.txt), the preheader,
the inline-CSS filter, the footer with its unsubscribe links and the .ics stay in the
files, outside what an owner can change: `render.py` renders the owner's content here
and puts it into the kind's own file in place of its content block.

The parts are compiled in a `jinja2.sandbox.ImmutableSandboxedEnvironment` that has the
emails' filters and macros and nothing else: no page globals, no `cycler`/`joiner`/
`lipsum`, no underscore attributes, no method that changes a value, and of a database
row only its columns, relationships and plain properties (never `query`, `metadata` or
a method). Compiled templates are kept per process, keyed by the newest version's id (and time):
one small query per email (or per batch) tells whether a save anywhere, in any process,
made them stale.
"""

import inspect as pyinspect
import logging
import re
from contextvars import ContextVar, Token
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import Flask, current_app
from jinja2 import FunctionLoader, Template, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from dashboard.extensions import db
from dashboard.models import EmailTemplateVersion

log = logging.getLogger(__name__)

LANGUAGE = "en"
PARTS = ("subject", "html", "text")
MACROS = "emails/_macros.html"
# The app's filters an owner may use: those the default templates use.
FILTERS = (
    "clinic_date",
    "clinic_datetime",
    "clinic_hour",
    "clinic_time",
    "clinic_day",
    "clinic_short_date",
    "clinic_when",
    "money",
    "plural",
    "in_units",
    "stock_left",
    "quantity",
    "greeting_name",
)
MACRO_NAMES = ("button", "row", "appointment_rows", "clinic_rows", "day", "lines")
GLOBALS = ("range", "dict", "namespace")


class EmailSandbox(ImmutableSandboxedEnvironment):
    def is_safe_attribute(self, obj, attr, value) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        state = getattr(type(obj), "__mapper__", None)
        if state is None:
            return True
        # A database row: its columns and relationships, and properties written on its class.
        return attr in inspect(type(obj)).attrs or isinstance(pyinspect.getattr_static(obj, attr, None), property)


def _files(app: Flask):
    loader = app.jinja_env.loader
    assert loader is not None
    return loader


def make_sandbox(app: Flask, autoescape: bool) -> EmailSandbox:
    """A sandbox with the emails' filters, and their macros (compiled in it) as globals."""
    files = _files(app)

    def only_macros(name: str):
        if name != MACROS:
            return None
        return files.get_source(app.jinja_env, name)[0]

    sandbox = EmailSandbox(loader=FunctionLoader(only_macros), autoescape=autoescape)
    sandbox.filters.update({name: app.jinja_env.filters[name] for name in FILTERS if name in app.jinja_env.filters})
    kept = {"range": sandbox.globals["range"], "dict": dict, "namespace": Namespace}
    sandbox.globals.clear()
    sandbox.globals.update(kept)
    module = sandbox.get_template(MACROS).module  # the text files use them too (day, lines)
    sandbox.globals.update({name: getattr(module, name) for name in MACRO_NAMES})
    return sandbox


@dataclass(frozen=True)
class Custom:
    """A kind's version in use, compiled."""

    version_id: int
    subject: Template
    html: Template
    text: Template


class Compiler:
    """The sandboxes, and the compiled versions in use (per process, keyed by the newest id)."""

    def __init__(self, app: Flask):
        self.html = make_sandbox(app, autoescape=True)
        self.plain = make_sandbox(app, autoescape=False)
        self.marker: tuple | None = None
        self.in_use: dict[tuple[str, str], Custom] = {}

    def sandbox(self, part: str) -> EmailSandbox:
        return self.html if part == "html" else self.plain

    def compile(self, part: str, source: str) -> Template:
        return self.sandbox(part).from_string(source)

    def current(self) -> dict[tuple[str, str], Custom]:
        # The newest id, and its time: an emptied table (tests) gives ids out again.
        try:
            newest = db.session.execute(
                select(func.max(EmailTemplateVersion.id), func.max(EmailTemplateVersion.created_at))
            ).one()
        except (OperationalError, ProgrammingError):
            # No table yet (`flask emails preview` on an instance never migrated): the files' words.
            log.warning("email_template_versions can't be read; emails use their default words", exc_info=True)
            return {}
        marker = tuple(newest)
        if marker != self.marker:
            self.in_use = self._load() if newest[0] is not None else {}
            self.marker = marker
        return self.in_use

    def _load(self) -> dict[tuple[str, str], Custom]:
        """The version in use of each (kind, language) an owner has edited."""
        newest = select(func.max(EmailTemplateVersion.id)).group_by(
            EmailTemplateVersion.kind, EmailTemplateVersion.language
        )
        rows = db.session.scalars(select(EmailTemplateVersion).where(EmailTemplateVersion.id.in_(newest))).all()
        return {
            (row.kind, row.language): Custom(row.id, *(self.compile(part, getattr(row, part)) for part in PARTS))
            for row in rows
            if not row.is_default
        }


def compiler(app: Flask | None = None) -> Compiler:
    app = app or current_app
    found = app.extensions.get("custom_emails")
    if found is None:
        found = app.extensions["custom_emails"] = Compiler(app)
    return found


_batch: ContextVar[dict[tuple[str, str], Custom] | None] = ContextVar("custom_emails_batch", default=None)


def look_up_once() -> Token:
    """Until `looked_up(token)`, every email rendered uses the versions read now (a batch)."""
    return _batch.set(compiler().current())


def looked_up(token: Token) -> None:
    _batch.reset(token)


def in_use(kind: str, language: str = LANGUAGE) -> Custom | None:
    """The owner's version of `kind` in `language` now, or None: the files' words."""
    batch = _batch.get()
    return (batch if batch is not None else compiler().current()).get((kind, language))


# The files' content blocks: what an owner starts from, and what "compare with the default" shows.
_BLOCK = re.compile(r"{%-?\s*block content\s*-?%}(.*){%-?\s*endblock\s*-?%}", re.S)


# A file's top-level `{% set %}` lines (the preheader shares them): part of its content as edited.
_SETS = re.compile(r"^{%-?\s*set\b.*%}$", re.M)


@cache
def _file_block(path: str) -> str:
    source = Path(path).read_text(encoding="utf-8")
    found = _BLOCK.search(source)
    assert found, path
    sets = _SETS.findall(source[: found.start()])
    return "\n".join([*sets, found[1].strip("\n")])


def default_parts(kind: str, subject: str) -> dict[str, str]:
    """The file default's three parts as an owner edits them."""
    folder = Path(current_app.root_path, current_app.template_folder or "templates", "emails")
    return {
        "subject": subject,
        "html": _file_block(str(folder / f"{kind}.html")),
        "text": _file_block(str(folder / f"{kind}.txt")).strip(),
    }


def names_used(source: str, part: str) -> set[str]:
    """The variables a source reads from its context (jinja2.meta's, less the sandbox's globals)."""
    sandbox = compiler().sandbox(part)
    tree: nodes.Template = sandbox.parse(source)
    return meta.find_undeclared_variables(tree) - set(sandbox.globals)
