"""The README's screenshots, taken from the demo: start `make run`, then

    .venv/bin/python scripts/screenshots.py [http://127.0.0.1:5000] [docs/screenshots]

It signs in as the demo's front desk and one practitioner (password DEMO_PASSWORD, by
default the demo's) and saves the home page, the clinic's day, a practitioner's week and
a patient's page at a desk's 1366×900 and a phone's 390×844, whole pages. Chromium is
Debian's (/usr/bin/chromium), as in the browser tests.
"""

import os
import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

SIZES = {"desk": (1366, 900), "phone": (390, 844)}
PASSWORD = os.environ.get("DEMO_PASSWORD", "clinic-demo")


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/home"))


def take(browser, base: str, out: Path, size: str, username: str, pages: dict[str, str]) -> None:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=base)
    page = context.new_page()
    log_in(page, base, username)
    for name, path in pages.items():
        if path == "first-patient":
            page.goto(f"{base}/patients/?q=Grace+Clarke")  # the demo's patient with the most history
            links = page.locator("a[href^='/patients/']").evaluate_all("els => els.map(e => e.getAttribute('href'))")
            path = next(href for href in links if re.fullmatch(r"/patients/\d+", href or ""))
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
        if name == "calendar" and page.locator("a[data-status=open]").count():  # with a booking panel open
            page.locator("a[data-status=open]").first.click()
            page.get_by_test_id("panel-content").wait_for()
        page.screenshot(path=str(out / f"{name}-{size}.png"), full_page=True)
        print(out / f"{name}-{size}.png")
    context.close()


def main() -> None:
    base = (sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000").rstrip("/")
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for size in SIZES:
            take(
                browser,
                base,
                out,
                size,
                "frontdesk",
                {"home": "/home", "calendar": "/calendar/", "patient-page": "first-patient"},
            )
            practitioner = {"home-practitioner": "/home", "calendar-week": "/calendar/week"}
            take(browser, base, out, size, "dr.wilson", practitioner)
        browser.close()


if __name__ == "__main__":
    main()
