"""Header values as they go on the wire (RFC 5322, RFC 2047, RFC 6531/6532).

Two rules keep every header safe and readable in every mail client:

- Line breaks are refused in the raw value, before anything is encoded, so
  nothing a person typed can start a header of its own. The folds this module
  then makes are its own and are never mistaken for an injection.
- Text that is not plain ASCII, or that a mail client could take for an
  encoded-word (a name typed as "=?utf-8?q?Ana=0D=0ABcc:...?="), is sent whole
  as RFC 2047 encoded-words, so the reader decodes exactly what was typed.
  (The standard library's folding passes a typed encoded-word through as it
  is, so a client decodes it; that is why this is written here.)

Addresses: an ASCII local part with an international domain is sent with the
domain in IDNA (xn--) form, which every server accepts; a non-ASCII local part
(josé@..., 用户@...) needs a server that offers SMTPUTF8 (RFC 6531), and the
message then carries the address as UTF-8 in its To header (RFC 6532).
"""

import functools
import string
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from dashboard.notify.recipients import reject_line_breaks

LINE = 76  # the longest line that may hold an encoded-word (RFC 2047 section 2)
FOLD = 78  # the longest line we write otherwise (RFC 5322 section 2.1.1)
PREFIX, SUFFIX = "=?utf-8?q?", "?="
# Characters a Q encoded-word may carry as they are, in any header (RFC 2047 section 5 (3)).
LITERAL = frozenset(string.ascii_letters + string.digits + "!*+-/")
SPECIALS = frozenset('()<>[]:;@\\,."')


def _plain(value: str) -> bool:
    """ASCII with nothing a client could decode or choke on: sent as it is."""
    return (
        value.isascii()
        and "=?" not in value
        and all(32 <= ord(c) < 127 for c in value)
        and all(len(word) <= FOLD - 10 for word in value.split(" "))
    )


@functools.lru_cache(maxsize=4096)
def _q(char: str) -> str:
    if char == " ":
        return "_"
    if char in LITERAL:
        return char
    return "".join(f"={byte:02X}" for byte in char.encode("utf-8"))


def encoded_words(value: str, first_line_used: int = 0) -> str:
    """`value` as Q encoded-words of whole characters, folded between words.

    Readers join adjacent encoded-words and drop the folding whitespace between
    them, so the spaces of the text travel inside the words (as "_")."""
    words: list[str] = []
    current: list[str] = []
    room = LINE - first_line_used - len(PREFIX) - len(SUFFIX)
    used = 0
    for char in value:
        piece = _q(char)
        if current and used + len(piece) > room:
            words.append(PREFIX + "".join(current) + SUFFIX)
            current, used, room = [], 0, LINE - 1 - len(PREFIX) - len(SUFFIX)
        current.append(piece)
        used += len(piece)
    if current or not words:
        words.append(PREFIX + "".join(current) + SUFFIX)
    return "\r\n ".join(words)


def _folded(value: str, first_line_used: int) -> str:
    """Plain ASCII folded at spaces, so no line is longer than FOLD."""
    lines, line = [], ""
    limit = FOLD - first_line_used
    for word in value.split(" "):
        candidate = f"{line} {word}" if line else word
        if line and len(candidate) > limit:
            lines.append(line)
            line, limit = word, FOLD - 1
        else:
            line = candidate
    lines.append(line)
    return "\r\n ".join(lines)


def unstructured(name: str, value: str) -> str:
    """The value of a text header such as Subject, ready to follow "<name>: "."""
    reject_line_breaks(value, name)
    used = len(name) + 2
    return _folded(value, used) if _plain(value) else encoded_words(value, used)


def phrase(value: str, first_line_used: int = 0) -> str:
    """A display name (RFC 5322 phrase): as it is, quoted, or as encoded-words."""
    reject_line_breaks(value, "display name")
    if not _plain(value):
        return encoded_words(value, first_line_used)
    if any(char in SPECIALS for char in value):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


@dataclass(frozen=True)
class WireAddress:
    header: str  # as written in To: or From:
    envelope: str  # for MAIL FROM / RCPT TO
    needs_smtputf8: bool  # a non-ASCII local part: only a server offering SMTPUTF8 can take it


class Undeliverable(ValueError):
    """An address no server could be given (it should never have been stored)."""


@functools.lru_cache(maxsize=4096)
def wire(address: str) -> WireAddress:
    reject_line_breaks(address, "address")
    if address.isascii():
        return WireAddress(address, address, False)
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise Undeliverable(f"{address} is not a valid address: {exc}") from None
    if checked.ascii_email:
        return WireAddress(checked.ascii_email, checked.ascii_email, False)
    return WireAddress(checked.normalized, f"{checked.local_part}@{checked.ascii_domain}", True)


def mailbox(display_name: str, address: str, first_line_used: int = 0) -> str:
    """`Name <address>` for From or Reply-To (the address in its ASCII form where it has one)."""
    wired = wire(address)
    if not display_name:
        return wired.header
    name = phrase(display_name, first_line_used)
    last_line = name.rpartition("\r\n")[2]
    used = len(last_line) + (first_line_used if last_line == name else 0)
    gap = "\r\n " if used + len(wired.header) + 3 > LINE else " "
    return f"{name}{gap}<{wired.header}>"


def ascii_domain(address: str) -> str:
    """The domain of `address` as IDNA (for a Message-ID, which must be ASCII)."""
    return wire(address).envelope.rpartition("@")[2]
