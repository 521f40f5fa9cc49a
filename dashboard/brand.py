"""The clinic's colour on the pages: Bootstrap's primary, set from `CLINIC_BRAND_COLOUR`.

The emails already use the colour (dashboard/notify/render.py); the dashboard's and the patients'
pages get it through Bootstrap's CSS variables, in a `<style>` block the Content-Security-Policy
lets through by its nonce (base.html, portal/base.html). Text stays readable (WCAG AA, 4.5:1):
buttons and the header carry white or dark text, whichever contrasts more with the colour, and
links, outlines and `.text-primary` use the colour darkened until it reads on a light page.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

HEX = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
FALLBACK = "#0b6e69"
WHITE, DARK = (255, 255, 255), (33, 37, 41)  # Bootstrap's white and body text (#212529)
LIGHT_PAGE = (248, 249, 250)  # the lightest grey pages sit on (.bg-body-tertiary, #f8f9fa)
AA = 4.5

RGB = tuple[int, int, int]


def parse(colour: str | None) -> RGB:
    """`#0b6e69`, `0b6e69` or `#0b6` as (r, g, b); anything else is the clinic's default teal."""
    found = HEX.fullmatch((colour or "").strip())
    digits = found.group(1) if found else FALLBACK[1:]
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def luminance(rgb: RGB) -> float:
    """WCAG 2's relative luminance."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def mix(a: RGB, b: RGB, weight: float) -> RGB:
    """`weight` of `b` into `a`."""
    r, g, bl = (round(x + (y - x) * weight) for x, y in zip(a, b, strict=True))
    return r, g, bl


def hex_of(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def rgb_of(rgb: RGB) -> str:
    return "{}, {}, {}".format(*rgb)


def readable_on(background: RGB, colour: RGB) -> RGB:
    """`colour`, darkened by steps until it has AA contrast on `background`."""
    for step in range(21):
        candidate = mix(colour, (0, 0, 0), step / 20)
        if contrast(candidate, background) >= AA:
            return candidate
    return (0, 0, 0)


@dataclass(frozen=True)
class Palette:
    primary: RGB
    on_primary: RGB  # text on the colour: white or dark
    text: RGB  # the colour as text (links, outlines) on a light page
    hover: RGB  # a button's background under the pointer, pressed
    subtle: RGB  # a pale wash of it (unread notifications, booked slots)

    @property
    def dark(self) -> bool:
        """Whether the colour is dark (white text on it), as a navbar's `navbar-dark`."""
        return self.on_primary == WHITE


def palette(colour: str | None) -> Palette:
    primary = parse(colour)
    on = WHITE if contrast(WHITE, primary) >= contrast(DARK, primary) else DARK
    # Under the pointer the button moves away from its text's colour: darker under white, lighter under dark.
    hover = mix(primary, (0, 0, 0), 0.15) if on == WHITE else mix(primary, WHITE, 0.15)
    return Palette(primary, on, readable_on(LIGHT_PAGE, primary), hover, mix(primary, WHITE, 0.85))


@lru_cache(maxsize=8)
def css(colour: str | None) -> str:
    """The style block's content. Only hex digits and numbers come from the setting, so it needs
    no escaping (and has nothing autoescape would change)."""
    p = palette(colour)
    primary, on, text, hover, subtle = (hex_of(c) for c in (p.primary, p.on_primary, p.text, p.hover, p.subtle))
    text_hover = hex_of(mix(p.text, (0, 0, 0), 0.2))
    focus_border = hex_of(mix(p.primary, WHITE, 0.5))
    return f"""
:root, [data-bs-theme=light] {{
  --bs-primary: {primary}; --bs-primary-rgb: {rgb_of(p.primary)};
  --bs-primary-text-emphasis: {text_hover}; --bs-primary-bg-subtle: {subtle};
  --bs-primary-border-subtle: {hex_of(mix(p.primary, WHITE, 0.6))};
  --bs-link-color: {text}; --bs-link-color-rgb: {rgb_of(p.text)};
  --bs-link-hover-color: {text_hover}; --bs-link-hover-color-rgb: {rgb_of(mix(p.text, (0, 0, 0), 0.2))};
  --bs-focus-ring-color: rgba({rgb_of(p.primary)}, .35);
}}
.btn-primary {{
  --bs-btn-color: {on}; --bs-btn-bg: {primary}; --bs-btn-border-color: {primary};
  --bs-btn-hover-color: {on}; --bs-btn-hover-bg: {hover}; --bs-btn-hover-border-color: {hover};
  --bs-btn-active-color: {on}; --bs-btn-active-bg: {hover}; --bs-btn-active-border-color: {hover};
  --bs-btn-disabled-color: {on}; --bs-btn-disabled-bg: {primary}; --bs-btn-disabled-border-color: {primary};
  --bs-btn-focus-shadow-rgb: {rgb_of(p.primary)};
}}
.btn-outline-primary {{
  --bs-btn-color: {text}; --bs-btn-border-color: {text};
  --bs-btn-hover-color: {on}; --bs-btn-hover-bg: {primary}; --bs-btn-hover-border-color: {primary};
  --bs-btn-active-color: {on}; --bs-btn-active-bg: {primary}; --bs-btn-active-border-color: {primary};
  --bs-btn-disabled-color: {text}; --bs-btn-disabled-border-color: {text};
  --bs-btn-focus-shadow-rgb: {rgb_of(p.primary)};
}}
.btn-link {{ --bs-btn-color: {text}; --bs-btn-hover-color: {text_hover}; --bs-btn-active-color: {text_hover}; }}
.text-primary, .link-primary {{ color: {text} !important; }}
.text-bg-primary, .badge.bg-primary {{ color: {on} !important; background-color: {primary} !important; }}
.border-primary {{ border-color: {primary} !important; }}
.nav-pills {{ --bs-nav-pills-link-active-color: {on}; --bs-nav-pills-link-active-bg: {primary}; }}
.nav {{ --bs-nav-link-color: {text}; --bs-nav-link-hover-color: {text_hover}; }}
.pagination {{
  --bs-pagination-color: {text}; --bs-pagination-hover-color: {text_hover}; --bs-pagination-focus-color: {text_hover};
  --bs-pagination-active-color: {on}; --bs-pagination-active-bg: {primary};
  --bs-pagination-active-border-color: {primary};
}}
.dropdown-menu {{ --bs-dropdown-link-active-color: {on}; --bs-dropdown-link-active-bg: {primary}; }}
.list-group {{ --bs-list-group-active-color: {on}; --bs-list-group-active-bg: {primary}; }}
.list-group {{ --bs-list-group-active-border-color: {primary}; }}
.form-check-input:checked {{ background-color: {primary}; border-color: {primary}; }}
.form-control:focus, .form-select:focus, .form-check-input:focus {{ border-color: {focus_border}; }}
.app-header {{ color: {on}; }}
.app-header.navbar {{
  --bs-navbar-color: {on}; --bs-navbar-hover-color: {on}; --bs-navbar-active-color: {on};
  --bs-navbar-brand-color: {on}; --bs-navbar-brand-hover-color: {on};
}}
.app-header .link-on-brand {{ color: {on}; text-decoration-color: currentColor; }}
"""
