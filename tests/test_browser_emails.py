"""Every kind of email on a phone: no sideways scroll at 320px, even with the worst strings.

Each email is rendered as the outbox writes it (render_email, styles inlined)
and laid out by headless Chromium at 320px (a small phone) and 600px (the
email's full width), from its sample made worse: a 60-character email
address, a 200-character SMTP error without a space in it, and a long name
with macrons, an apostrophe and an emoji everywhere a name goes.
"""

from types import SimpleNamespace

import pytest

from dashboard.notify.kinds import KINDS
from dashboard.notify.render import render_email
from dashboard.notify.samples import sample_context

pytest_plugins = ["tests.browser_support"]  # browser
pytestmark = pytest.mark.browser

LONG_EMAIL = "aroha.ngatiwai.te.whakatohea.rangitane.kahu@kahungunu.org.nz"
LONG_ERROR = "550_5.1.1_" + "RecipientAddressRejected.UserUnknownInVirtualMailboxTable.Ngatiwai" * 3
LONG_ERROR = LONG_ERROR[:200]
LONG_NAME = "Te Aroha Ngātiwaiwhakatōhearangitāne O'Brien-Pōmare 🌿"
assert len(LONG_EMAIL) == 60 and len(LONG_ERROR) == 200 and " " not in LONG_ERROR

# Attribute (or top-level key) -> the worse value it takes, wherever it appears in a sample.
WORSE = {
    "email": LONG_EMAIL,
    "recipients": LONG_EMAIL,
    "error": LONG_ERROR,
    "name": LONG_NAME,
    "first_name": LONG_NAME,
    "practitioner_name": LONG_NAME,
    "recipient_name": LONG_NAME,
    "booked_by": LONG_NAME,
    "subject": f"Invoice INV-2026-0142 for {LONG_NAME}",
    "description": f"Consultation for {LONG_NAME}",
}
# Beyond the name, which every kind shows, the kinds that show the other strings.
SHOWN = {"new_appointment_notice": [LONG_EMAIL], "delivery_failed": [LONG_EMAIL, LONG_ERROR]}

# Elements reaching past the viewport (half a pixel allowed for subpixel layout).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const past = [...document.body.querySelectorAll('*')].filter((el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && (box.right > width + 0.5 || box.left < -0.5);
  });
  const innermost = past.filter((el) => !past.some((other) => other !== el && el.contains(other)));
  return {
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: width,
    past: innermost.slice(0, 8).map((el) => {
      const right = Math.round(el.getBoundingClientRect().right);
      return `<${el.tagName.toLowerCase()}> to ${right}px: ${el.textContent.trim().slice(0, 60)}`;
    }),
  };
}"""


def worse(value, depth: int = 0):
    """Put the worst strings into every place of a sample that holds one; returns how many."""
    changed = 0
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, SimpleNamespace):
        items = list(vars(value).items())
    elif isinstance(value, list):
        return sum(worse(item, depth + 1) for item in value)
    else:
        return 0
    for key, item in items:
        if key in WORSE and isinstance(item, str):
            if isinstance(value, dict):
                value[key] = WORSE[key]
            else:
                setattr(value, key, WORSE[key])
            changed += 1
        elif depth < 3:
            changed += worse(item, depth + 1)
    return changed


@pytest.fixture(scope="module")
def viewer(browser):
    """A page per width, reused by the module's tests (each sets its own content)."""
    contexts = {}

    def page_at(width: int):
        if width not in contexts:
            contexts[width] = browser.new_context(viewport={"width": width, "height": 800})
            contexts[width].new_page()
        return contexts[width].pages[0]

    yield page_at
    for context in contexts.values():
        context.close()


@pytest.mark.parametrize("width", [320, 600])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_email_fits_the_screen_without_sideways_scroll(app, viewer, kind, width):
    context = sample_context(kind)
    assert worse(context), f"nothing in the {kind} sample took a long string"
    page = viewer(width)
    page.set_content(render_email(kind, context).html)

    shown = page.inner_text("body")
    for long_string in [LONG_NAME, *SHOWN.get(kind, [])]:
        assert long_string in shown, f"{long_string[:30]!r}... is not shown in {kind}"
    layout = page.evaluate(OVERFLOW)
    assert layout["scrollWidth"] <= layout["clientWidth"], f"{kind} scrolls sideways at {width}px: {layout}"
    assert not layout["past"], f"{kind} at {width}px: " + "; ".join(layout["past"])


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_preheader_is_hidden_but_not_by_the_background_colour(app, viewer, kind):
    """The inbox's preview line stays out of the email itself; spam filters count text in
    the background's colour as hidden text (SpamAssassin's HTML_FONT_LOW_CONTRAST)."""
    page = viewer(320)
    page.set_content(render_email(kind, sample_context(kind)).html)

    preheader = page.locator("body > div").first
    assert preheader.text_content().strip(), "no preheader"
    assert not preheader.is_visible()
    colour, background = preheader.evaluate(
        "(el) => [getComputedStyle(el).color, getComputedStyle(document.body).backgroundColor]"
    )
    assert colour != background
