"""Finding words a reader sees in English where they should see their own language.

Two renders of the same page or email, one for an English reader and one for a Spanish one,
with the same data: each is cut into the runs of text a person reads (`visible_runs`: text
between tags, without scripts and styles, plus the words of title, alt, aria-label,
placeholder, a button's value and the text a button shows while working). A run that
appears identically in both renders and still holds a word once the data are taken out of it
(names, the clinic's name, addresses, numbers, links: `DataValues`) and the few words both
languages share (`SHARED`) is untranslated. And a catalogue msgid found word for word in the
Spanish render was marked but not translated when the page was made (`marked_but_english`).
"""

import re
from collections.abc import Iterable
from decimal import Decimal
from html.parser import HTMLParser
from types import SimpleNamespace

# Words spelt the same in English and Spanish, or not English at all (the Māori greetings
# New Zealand's clinics write in either language), that may stay as they are.
SHARED = {
    "email", "total", "gst", "pdf", "ics", "nzd", "sku", "dr", "ok", "online", "web", "app", "sms",
    "error", "general", "normal", "final", "doctor", "hospital", "personal", "local",
    "kia", "ora", "ngā", "mihi", "mōrena", "kōrero",
    "english", "español",  # a language chooser names each language in itself, in every language
}  # fmt: skip

# The attributes whose words a reader sees or hears (a button's value only on buttons).
SHOWN_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder", "data-loading-text"}
BUTTON_INPUTS = {"submit", "button", "reset"}
HIDDEN = {"script", "style", "template", "noscript"}

WORD = re.compile(r"[^\W\d_]{3,}")
URL = re.compile(r"\b(?:https?://|mailto:|tel:)\S+", re.I)
EMAIL_ADDRESS = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\{.*?\}\}|\{%.*?%\}")


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def _run(text: str) -> str:
    """A run as compared: its whitespace squeezed, its links one word (a signed link made a second
    later differs, and a link is no word to translate)."""
    return URL.sub("<link>", _squeeze(text))


class _Runs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self.hidden += 1
        values = dict(attrs)
        for name, value in attrs:
            if value and (
                name in SHOWN_ATTRIBUTES or (name == "value" and tag == "input" and values.get("type") in BUTTON_INPUTS)
            ):
                self._add(value)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in HIDDEN:
            self.hidden -= 1

    def handle_endtag(self, tag):
        if tag in HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self._add(data)

    def _add(self, text: str) -> None:
        text = _run(text)
        if text:
            self.runs.append(text)


def visible_runs(html: str) -> list[str]:
    """The runs of text a person reads on an HTML page (or an email's HTML part)."""
    parser = _Runs()
    parser.feed(html)
    parser.close()
    return parser.runs


def text_runs(text: str) -> list[str]:
    """The runs of a plain-text email (or a subject): its lines."""
    return [line for line in (_run(line) for line in text.splitlines()) if line]


class DataValues:
    """The data a render shows that no catalogue translates: every string in the context (or
    fixture) it was made from, walked through dicts, lists and objects, plus anything added."""

    def __init__(self, *sources, extra: Iterable[str] = ()) -> None:
        found: set[str] = set()
        for source in sources:
            _collect(source, found, depth=0)
        found |= {_squeeze(value) for value in extra if value}
        parts = {part for value in found for part in re.split(r"\s*\n\s*", value)}
        # Longest first: "Dr Hannah Wilson" goes before "Hannah" would leave "Dr Wilson".
        self.values = sorted({_squeeze(v) for v in found | parts if len(_squeeze(v)) >= 2}, key=len, reverse=True)

    def strip(self, run: str) -> str:
        for value in self.values:
            if value in run:
                run = run.replace(value, " ")
        run = URL.sub(" ", run).replace("<link>", " ")
        return EMAIL_ADDRESS.sub(" ", run)


def _collect(value, found: set[str], depth: int) -> None:
    if depth > 6 or value is None or isinstance(value, bool | int | float | Decimal):
        return
    if isinstance(value, str):
        found.add(value)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, found, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _collect(item, found, depth + 1)
    elif isinstance(value, SimpleNamespace) or hasattr(value, "__dict__"):
        for name, item in vars(value).items():
            if not name.startswith("_"):
                _collect(item, found, depth + 1)


def english_words(run: str, data: DataValues) -> list[str]:
    """The words of `run` left once the data and the shared words are taken out."""
    return [word for word in WORD.findall(data.strip(run)) if word.lower() not in SHARED]


def untranslated(english: Iterable[str], spanish: Iterable[str], data: DataValues) -> list[str]:
    """The runs the Spanish render shows exactly as the English one does, words and all."""
    same = set(english) & set(spanish)
    return sorted(run for run in same if english_words(run, data))


def _msgid_pattern(msgid: str) -> re.Pattern | None:
    """A msgid as it would show on a page: its placeholders filled with anything. None for a
    msgid that has no word of its own to find (only placeholders, or only shared words)."""
    pieces = PLACEHOLDER.split(msgid)
    if not any(word.lower() not in SHARED for piece in pieces for word in WORD.findall(piece)):
        return None
    body = ".+?".join(re.escape(_squeeze(piece)).replace(r"\ ", r"\s+") for piece in pieces)
    return re.compile(rf"(?<!\w){body}(?!\w)")


def marked_but_english(catalogue: dict[str, str], spanish_text: str) -> list[str]:
    """The msgids (whose Spanish differs from them) found word for word in the Spanish text."""
    found = []
    for msgid, msgstr in catalogue.items():
        if msgstr == msgid:
            continue
        pattern = _msgid_pattern(msgid)
        if pattern is not None and pattern.search(spanish_text):
            found.append(msgid)
    return sorted(found)
