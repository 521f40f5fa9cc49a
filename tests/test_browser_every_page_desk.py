"""Every GET page of the staff and of a practitioner in a real browser (the checks, the pages and
why: tests/test_browser_every_page.py, which does the owner's and the patients')."""

import pytest

from tests.test_access import PRACTITIONER, STAFF
from tests.test_browser_every_page import visit_every_page

pytest_plugins = ["tests.browser_support"]  # live_server, browser
pytestmark = pytest.mark.browser


@pytest.mark.parametrize("role", [STAFF, PRACTITIONER])
def test_every_page_fits_and_passes_axe(browser, live_server, people, role):
    visit_every_page(browser, live_server, people, role)
