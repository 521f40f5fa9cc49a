"""A batch rendered once and filled in per recipient reads exactly as each email
rendered on its own, for every kind, whatever the recipients' names hold."""

import copy
from html import unescape

import pytest
from markupsafe import Markup

from dashboard.notify import batch
from dashboard.notify.kinds import KINDS
from dashboard.notify.render import render_email, render_emails
from dashboard.notify.samples import sample_context

NAMES = ["Aroha", "Siobhán O'Brien", '<b>Zoë</b> & "co"', "", "Mere 🌿 Pōmare", "\u200fمريم\u200f", "None"]


def batch_of(kind: str, n: int = 14) -> list[dict]:
    """n recipients of one email: the same shared values, each their own name and links."""
    shared = sample_context(kind)
    contexts = []
    for i in range(n):
        context = dict(shared)
        if "patient" in context:
            patient = copy.copy(context["patient"])
            patient.first_name = NAMES[i % len(NAMES)]
            patient.name = f"{patient.first_name} Ngātiwai"
            context["patient"] = patient
        for key in ("unsubscribe_url", "preferences_url", "manage_url", "cancel_url", "more_url"):
            if context.get(key):
                context[key] = f"{context[key]}-{i}?a=1&b='{i}'"
        if "recipient_name" in context:
            context["recipient_name"] = NAMES[i % len(NAMES)] or None
        if "book_links" in context:
            context["book_links"] = {slot: f"{url}-{i}" for slot, url in context["book_links"].items()}
        contexts.append(context)
    return contexts


def same_to_a_reader(ours, theirs) -> None:
    assert ours.subject == theirs.subject
    assert ours.text == theirs.text
    assert unescape(ours.html) == unescape(theirs.html)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_shared_rendering_reads_as_each_rendered_alone(app, kind):
    contexts = batch_of(kind)
    for ours, theirs in zip(render_emails(kind, contexts), [render_email(kind, c) for c in contexts], strict=True):
        same_to_a_reader(ours, theirs)
    assert len(batch.plan(contexts, KINDS[kind].personal)) == 1  # one group: rendered once (per truth shape)


def test_recipients_values_are_escaped_once_in_html_and_literal_in_text(app):
    contexts = batch_of("appointment_reminder")
    rendered = render_emails("appointment_reminder", contexts)
    zoe = rendered[2]
    assert "&lt;b&gt;Zoë&lt;/b&gt; &amp; &#34;co&#34;" in zoe.html and "<b>Zoë" not in zoe.html
    assert 'Hello <b>Zoë</b> & "co",' in zoe.text
    assert "&amp;amp;" not in zoe.html
    assert "Hello," in rendered[3].text  # an empty name takes the template's other branch


def test_a_template_that_compares_a_recipients_value_is_rendered_one_by_one(app):
    contexts = batch_of("appointment_cancelled")
    for i, context in enumerate(contexts):  # a string that differs is a recipient's value; the template compares it
        context["cancelled_by"] = "you" if i % 2 else f"Sam {i} at the clinic"
    ours = render_emails("appointment_cancelled", contexts)
    for one, theirs in zip(ours, [render_email("appointment_cancelled", c) for c in contexts], strict=True):
        same_to_a_reader(one, theirs)


def test_values_that_differ_in_other_ways_split_the_batch(app):
    contexts = batch_of("new_availability", 6)
    other = sample_context("new_availability")["practitioner"]
    other.name = "Dr Mikaere Tāne"
    for context in contexts[3:]:
        context["practitioner"] = other
    groups = batch.plan(contexts, KINDS["new_availability"].personal)
    assert sorted(len(g.indices) for g in groups) == [3, 3]
    rendered = render_emails("new_availability", contexts)
    assert "Dr Hannah Wilson" in rendered[0].subject and "Dr Mikaere Tāne" in rendered[5].subject


def test_a_stand_in_refuses_anything_but_printing_and_truth():
    recording = batch.Recording({"patient": None})
    stand = batch.Stand(recording, ("patient",))
    assert str(stand.first_name).startswith("\ue000") and not stand.first_name
    for use in (lambda: stand == "x", lambda: len(stand), lambda: list(stand), lambda: stand(), lambda: stand + "x"):
        with pytest.raises(batch.Refused):
            use()
    assert Markup("%s") % "x" == "x"  # (markupsafe itself is untouched)
