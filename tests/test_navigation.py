"""The addresses emails link to: a link maker writes exactly what the URL map writes."""

import pytest

from dashboard.navigation import external_url, link_maker


@pytest.mark.parametrize(
    "endpoint,values",
    [
        ("portal.book", {"token": "eyJwIjo0MjE3fQ.aw9FWw.IpHeDZ7lqHCJ-_", "slot_id": 17}),
        ("portal.availability", {"token": "x.y.z"}),
        ("portal.unsubscribe", {"token": "needs quoting/é?&"}),  # goes through the URL map
        ("appointments.detail", {"appointment_id": 5}),
    ],
)
@pytest.mark.parametrize("base_url", ["http://clinic.test", "https://clinic.example.org/dashboard/"])
def test_a_link_maker_writes_what_the_url_map_writes(app, endpoint, values, base_url):
    app.config["BASE_URL"] = base_url
    assert link_maker(endpoint)(**values) == external_url(endpoint, **values)
