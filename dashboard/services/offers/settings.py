"""The clinic's offer settings: how new times are offered (OFFER_MODE), how many an email shows,
and how long openings are coalesced (OFFER_COALESCE_SECONDS)."""

from flask import current_app

from dashboard.settings import setting

EVERYONE, ONE_AT_A_TIME = "everyone", "one_at_a_time"
MODES = (EVERYONE, ONE_AT_A_TIME)
SHOWN = 5  # open times per email
# Patients per transaction in a fan-out: 5,000 waiting is five commits, each queueing its emails'
# delivery as it lands (docs/DESIGN.md, bench/offers_fan_out.py).
BATCH = 1000


def mode() -> str:
    value = setting("OFFER_MODE")
    return value if value in MODES else EVERYONE


def coalesce_seconds() -> int:
    return max(0, current_app.config["OFFER_COALESCE_SECONDS"])
