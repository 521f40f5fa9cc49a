"""The clinic's settings as the code reads them: `setting("CLINIC_NAME")`.

Today every value comes from the app's config (the environment, config.py). Read settings
through here rather than `current_app.config[...]`, so the owner's settings page can
override them without touching the readers.
"""

from typing import Any

from flask import current_app


def setting(name: str) -> Any:
    """The effective value of the setting `name` (a config key)."""
    return current_app.config[name]
