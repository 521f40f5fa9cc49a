"""Checking an owner's draft of a kind's words before it is previewed or saved.

A draft is refused (`Checked.errors`) when a part doesn't compile (the message names the
part and the line), when it fails to render with the kind's sample data (a sandbox
refusal among them), or when it would break the email: an empty subject or text part, an
email over `MAX_BYTES`, or a link whose scheme isn't http(s), mailto: or tel: (the shell
itself links the clinic's phone with tel:; javascript:, data: and relative links are
refused, as a mail client would show them broken or not at all). A variable the kind
doesn't document is only a warning: it renders as nothing, which may be what the owner
meant in an `{% if x is defined %}`.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import SimpleNamespace

from jinja2 import TemplateSyntaxError
from jinja2.exceptions import SecurityError

from dashboard.notify import custom
from dashboard.notify.kinds import get
from dashboard.notify.render import Rendered, clinic_context, render_owned
from dashboard.notify.samples import sample_context

MAX_BYTES = 50 * 1024
SCHEMES = ("http://", "https://", "mailto:", "tel:")
PART_LABELS = {"subject": "Subject", "html": "HTML content", "text": "Text content"}


@dataclass
class Draft:
    subject: str
    html: str
    text: str

    def part(self, name: str) -> str:
        return getattr(self, name)


@dataclass
class Checked:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rendered: Rendered | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def documented(kind: str) -> list[str]:
    """The variables a kind's words may use, as the editor lists them ("patient.first_name")."""
    context = {"clinic": clinic_context(), "kind": get(kind), **sample_context(kind)}
    names: list[str] = []
    for key, value in context.items():
        if isinstance(value, SimpleNamespace):
            names += [f"{key}.{attr}" for attr in vars(value)]
        elif key == "kind":
            names += ["kind.label", "kind.audience", "kind.calendar"]
        else:
            names.append(key)
    return names


def top_names(kind: str) -> set[str]:
    """What a kind's context may hold: its sample's values and those its default words ask for
    (`{% if by_patient is defined %}`), and the subject (in the content parts)."""
    defaults = custom.default_parts(kind, get(kind).subject)
    asked = set().union(*(custom.names_used(defaults[part], part) for part in custom.PARTS))
    return {"clinic", "kind", "subject", *sample_context(kind), *asked}


def check(kind: str, draft: Draft) -> Checked:
    checked = Checked()
    compiled = {}
    for part in custom.PARTS:
        source = draft.part(part)
        try:
            compiled[part] = custom.compiler().compile(part, source)
        except TemplateSyntaxError as exc:
            checked.errors.append(f"{PART_LABELS[part]}, line {exc.lineno}: {exc.message}")
            continue
        unknown = sorted(custom.names_used(source, part) - top_names(kind))
        if unknown:
            checked.warnings.append(f"{PART_LABELS[part]} uses {', '.join(unknown)}, which this email doesn't have.")
    if checked.errors:
        return checked
    owned = custom.Custom(0, compiled["subject"], compiled["html"], compiled["text"])
    try:
        rendered = render_owned(kind, owned, sample_context(kind))
    except SecurityError as exc:
        checked.errors.append(f"Not allowed in an email template: {exc}")
        return checked
    except Exception as exc:  # noqa: BLE001 - whatever an owner's template raises is shown to them
        checked.errors.append(f"It doesn't render with the sample data: {exc}")
        return checked
    checked.rendered = rendered
    words = compiled["text"].render({"clinic": clinic_context(), "kind": get(kind), **sample_context(kind)})
    checked.errors += refusals(words, rendered)
    return checked


def refusals(words: str, rendered: Rendered) -> list[str]:
    """What would break the email: `words` is the text content rendered, without the shell."""
    found = []
    if not rendered.subject.strip():
        found.append("The subject is empty.")
    if not words.strip():
        found.append("The text content is empty: every email needs a plain-text part.")
    size = len(rendered.html.encode()) + len(rendered.text.encode())
    if size > MAX_BYTES:
        found.append(f"The email would be {size // 1024} KB; at most {MAX_BYTES // 1024} KB.")
    bad = sorted({link for link in links(rendered.html) if not link.lower().startswith(SCHEMES)})
    if bad:
        found.append(f"Links must start with http://, https://, mailto: or tel: (not {', '.join(bad)}).")
    return found


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action", "background") and value is not None:
                self.found.append(value.strip())


def links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.found
