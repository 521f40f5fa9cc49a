"""The words and numbers a person reads about counts, stock and money, worded once for the
pages, the emails (their subjects too), the PDFs and the services' bell titles alike.

Ground floor: imports nothing of the application, so services and templates share it.
"""

from decimal import Decimal

from babel.numbers import format_decimal
from flask_babel import get_locale

from dashboard.settings import setting

# English nouns, regular ones: the words counted here are ours ("day", "patient", "reminder")
# or a stock unit the desk typed ("boxes", "pairs", "ml"); an irregular word passes its own
# plural. (inflect did this, at 3.5 s of import in every process: workers, cron, commands.)
SIBILANT = ("s", "x", "z", "ch", "sh")


def _plural_noun(word: str) -> str:
    head, _, last = word.rpartition(" ")
    if last.endswith("y") and len(last) > 1 and last[-2] not in "aeiou":
        last = last[:-1] + "ies"
    else:
        last += "es" if last.endswith(SIBILANT) else "s"
    return f"{head} {last}" if head else last


def _singular_noun(word: str) -> str:
    """ "boxes" → "box", "bottles" → "bottle", "supplies" → "supply"; a word not in a plural
    form ("ml", "kg", "glass") as it is."""
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith("es") and word[:-2].endswith(SIBILANT):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 2:
        return word[:-1]
    return word


def plural(count: int | Decimal, word: str, plural_form: str | None = None) -> str:
    """The count and the word in its number: "1 day", "3 days". `word` is singular;
    `plural_form` is for words that carry their verb ("invoice is", "invoices are")
    or whose plural isn't regular."""
    if count == 1:
        return f"{count} {word}"
    return f"{count} {plural_form or _plural_noun(word)}"


def in_units(count: int | Decimal, unit: str | None) -> str:
    """A stock quantity in its unit as the desk typed it (plural by convention, "boxes"):
    "3 boxes", "1 box", "10 ml", or the bare number when the item has no unit."""
    if not unit:
        return f"{count}"
    if count == 1:
        return f"{count} {_singular_noun(unit)}"
    return f"{count} {unit}"


def stock_left(count: int, unit: str | None) -> str:
    """What a low-stock alert says of an item: "3 boxes left", "1 box left", "none left",
    after its name and a colon (a name may be plural or singular: no verb agrees with it)."""
    return "none left" if count <= 0 else f"{in_units(count, unit)} left"


def quantity(value: Decimal | int | None) -> str:
    """An invoice line's quantity without trailing zeros: "1", "2", "1.5" (stored as NUMERIC(10, 2))."""
    if value is None:
        return ""
    return f"{Decimal(value).normalize():f}"


def money(value: Decimal | None) -> str:
    """An amount with the clinic's currency symbol, as the reader's language writes money:
    "$1,234.50" in English, "1.234,50 $" in Spanish (Babel's CLDR data: the separators, and
    where the symbol goes)."""
    if value is None:
        return ""
    symbol = setting("CLINIC_CURRENCY_SYMBOL")
    locale = get_locale()
    if locale is None or locale.language == "en":
        return f"{symbol}{Decimal(value):,.2f}"
    number = format_decimal(Decimal(value), format="#,##0.00", locale=locale)
    pattern = locale.currency_formats["standard"].pattern.split(";")[0]
    return pattern.replace("#,##0.00", number).replace("\xa4", symbol).strip()


# Titles a person's name may start with: a practitioner is greeted by title and surname.
TITLES = {"dr", "prof", "professor", "mr", "mrs", "ms", "mx", "miss", "sir", "dame"}


def greeting_name(full_name: str) -> str:
    """What the home page calls someone: "Dr Hannah Wilson" → "Dr Wilson", "Sam Patel" → "Sam"."""
    words = full_name.split()
    if not words:
        return ""
    if len(words) > 1 and words[0].rstrip(".").lower() in TITLES:
        return f"{words[0]} {words[-1]}"
    return words[0]
