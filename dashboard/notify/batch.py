"""Rendering a batch of emails once, and filling in each recipient's own parts.

A fan-out sends one email to thousands of patients, and all but a few values
(their name, their links) are the same in every copy. `plan()` groups a
batch's contexts: values that are equal (or the very same object) across the
group are shared; strings that differ, and the kind's declared `personal`
objects (the patient, read attribute by attribute), are the recipient's own;
any other value that differs splits the group. Each group is rendered once
with a stand-in for every personal value (`Stand`), its CSS is inlined once,
and each recipient's copy is the skeleton with their values put in, escaped
for where they stand (HTML or text).

The rule for templates: a recipient's value may be printed or tested for truth,
nothing else. A stand-in refuses any other use (comparison, length, iteration,
a call), and the group is then rendered in full per recipient. Truth tests
are honoured by keeping one skeleton per combination of answers. As a last
guard, the first recipient of every skeleton is also rendered in full and the
two compared; any difference renders that skeleton's recipients in full.
"""

import datetime
import decimal
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

MIN_GROUP = 3  # below this a skeleton costs more than it saves
SCALARS = (int, float, decimal.Decimal, bool, datetime.date, datetime.datetime, datetime.time, type(None), str)
# A stand-in as it appears in the output: private-use characters around a number, a space and mixed
# case, so that any filter that transforms a value (upper, title, replace, urlencode...) spoils it visibly.
TOKEN = re.compile("\ue000x Q(\\d+)\ue001")
MISSING = object()
SUBJECT = ("\x00subject",)  # where the body shows the finished subject (the HTML's <title>)


class Refused(Exception):
    """A template did more with a recipient's value than print it or test its truth."""


@dataclass
class Group:
    indices: list[int]
    personal: frozenset[str] = frozenset()  # context keys whose values are each recipient's own


def _grouping_key(value) -> object:
    return value if isinstance(value, SCALARS) else ("id", id(value))


def plan(contexts: Sequence[dict], personal_objects: Sequence[str]) -> list[Group]:
    """The batch split into groups that can share one rendering (see the module's docstring)."""
    keys = {key for context in contexts for key in context}
    personal, splitting = set(), []
    for key in keys:
        values = [context.get(key, MISSING) for context in contexts]
        first = values[0]
        if all(v is first for v in values) or (
            isinstance(first, SCALARS) and all(type(v) is type(first) and v == first for v in values)
        ):
            continue  # the same for everyone
        if all(isinstance(v, str) or v is None for v in values) or key in personal_objects:
            personal.add(key)
        else:
            splitting.append(key)
    groups: dict[tuple, Group] = {}
    for index, context in enumerate(contexts):
        signature = tuple(_grouping_key(context.get(key, MISSING)) for key in splitting)
        groups.setdefault(signature, Group([], frozenset(personal))).indices.append(index)
    return list(groups.values())


# ------------------------------------------------------------------ stand-ins


@dataclass
class Recording:
    """What one skeleton rendering saw of the personal values: the paths it printed
    (each a token) and the truth of the paths it tested, for the recipient it was made for."""

    source: dict
    printed: dict[tuple, int] = field(default_factory=dict)
    tested: dict[tuple, bool] = field(default_factory=dict)

    def token(self, path: tuple) -> str:
        number = self.printed.setdefault(path, len(self.printed))
        return f"\ue000x Q{number}\ue001"

    def truth(self, path: tuple) -> bool:
        if path not in self.tested:
            self.tested[path] = bool(resolve(self.source, path))
        return self.tested[path]

    def matches(self, context: dict) -> bool:
        """Whether `context` answers every truth test this skeleton made the same way."""
        return all(bool(resolve(context, path)) == answer for path, answer in self.tested.items())


def resolve(context: dict, path: tuple):
    """The value at `path` in a recipient's context (None where it runs out, as Jinja's
    undefined prints nothing and tests false... and a skeleton is only used where the
    full rendering of its first recipient agreed)."""
    value = context.get(path[0])
    for how, name in path[1:]:
        if value is None:
            return None
        value = getattr(value, name, None) if how == "attr" else value[name]
    return value


def _refuse(*_args, **_kwargs):
    raise Refused("a recipient's value was used for more than printing or a truth test")


class Stand:
    """Stands for a recipient's value (or a part of it) while a skeleton renders."""

    __slots__ = ("_recording", "_path")

    def __init__(self, recording: Recording, path: tuple):
        self._recording = recording
        self._path = path

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return Stand(self._recording, (*self._path, ("attr", name)))

    def __getitem__(self, key):
        if not isinstance(key, SCALARS):
            _refuse()
        return Stand(self._recording, (*self._path, ("item", key)))

    def __str__(self) -> str:
        return self._recording.token(self._path)

    def __html__(self) -> str:
        return self._recording.token(self._path)  # escaped when the value is put in

    def __bool__(self) -> bool:
        return self._recording.truth(self._path)

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __len__ = __iter__ = __contains__ = __call__ = __int__ = __float__ = __index__ = _refuse
    __add__ = __radd__ = __mul__ = __rmul__ = __mod__ = __format__ = __round__ = _refuse
    __hash__ = None  # type: ignore[assignment]  # unhashable, the Python way; typeshed types it as a method


def stand_ins(context: dict, personal: frozenset[str], recording: Recording) -> dict:
    return {key: (Stand(recording, (key,)) if key in personal else value) for key, value in context.items()}


# ------------------------------------------------------------------ filling in


@dataclass
class Skeleton:
    """A rendering with tokens where each recipient's values go."""

    recording: Recording
    subject: str
    html: str
    text: str

    def __post_init__(self):
        self._parts = {name: _Parts(TOKEN.split(getattr(self, name))) for name in ("subject", "html", "text")}
        self._paths = sorted(self.recording.printed, key=self.recording.printed.get)

    def fill(self, context: dict, finish_subject=str) -> tuple[str, str, str]:
        """This recipient's subject, HTML and text: as Jinja prints values (None as "None"),
        escaped once in the HTML (a Markup value is already safe, as Jinja treats it);
        the body shows the subject as `finish_subject` makes it."""
        values = [None if path == SUBJECT else resolve(context, path) for path in self._paths]
        raw = [str(value) for value in values]
        parts = self._parts
        subject = finish_subject(parts["subject"].join(raw))
        if SUBJECT in self.recording.printed:
            at = self.recording.printed[SUBJECT]
            values[at] = raw[at] = subject
        html = [value if isinstance(value, Markup) else escape(text) for value, text in zip(values, raw, strict=True)]
        return subject, parts["html"].join(html), parts["text"].join(raw)

    def placed(self) -> bool:
        """Every value printed came out intact (no filter transformed a token)."""
        found = {n for parts in self._parts.values() for n in parts.slots}
        return found == set(range(len(self._paths)))


class _Parts:
    """A rendering split at its tokens: literals, and which value goes between each two."""

    __slots__ = ("literals", "slots", "size")

    def __init__(self, split: list[str]):
        self.literals = split[0::2]
        self.slots = [int(n) for n in split[1::2]]
        self.size = len(split)

    def join(self, values: list[str]) -> str:
        if not self.slots:
            return self.literals[0]
        out = [""] * self.size
        out[0::2] = self.literals
        out[1::2] = [values[n] for n in self.slots]
        return "".join(out)
