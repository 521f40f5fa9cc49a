"""The untranslated-words detector (tests/untranslated.py) itself: it catches an English sentence
left in a Spanish page, and lets names, data, links and shared words through."""

from types import SimpleNamespace as NS

from tests.untranslated import DataValues, marked_but_english, text_runs, untranslated, visible_runs

PATIENT = NS(first_name="Mereana", name="Mereana Pōmare-O'Brien 🌿", email="mereana@patients.example.org")
CLINIC = NS(name="Harbourside Clinic", address="12 Quay Street, Auckland 1010", phone="+64 9 555 0100")


def _page(greeting: str, body: str, button: str, extra: str = "") -> str:
    return f"""<!doctype html><html><head><title>{greeting} · Harbourside Clinic</title>
    <style>.x {{ color: red }}</style><script>const words = "Some script words";</script></head>
    <body><h1>{greeting}, {PATIENT.name}</h1><p>{body}</p>
    <p>Harbourside Clinic · 12 Quay Street, Auckland 1010 · <a href="tel:+6495550100">+64 9 555 0100</a></p>
    <p><a href="https://clinic.example.org/p/me/abc">https://clinic.example.org/p/me/abc</a>
    Email: mereana@patients.example.org</p>
    <p>Total: $85.00</p><p>Kia ora</p>
    <button aria-label="{button}" data-loading-text="{button}…">{button}</button>
    <input type="hidden" name="csrf_token" value="IjA2NzU.abc"> {extra}</body></html>"""


def test_it_catches_a_planted_english_sentence_and_ignores_names():
    data = DataValues(PATIENT, CLINIC)
    english = visible_runs(_page("Hello", "Your appointment is confirmed.", "Cancel", "<p>We look forward to it.</p>"))
    spanish = visible_runs(_page("Hola", "Su cita está confirmada.", "Cancelar", "<p>We look forward to it.</p>"))
    assert untranslated(english, spanish, data) == ["We look forward to it."]


def test_a_fully_translated_page_passes_names_data_and_shared_words_included():
    data = DataValues(PATIENT, CLINIC)
    english = visible_runs(_page("Hello", "Your appointment is confirmed.", "Cancel"))
    spanish = visible_runs(_page("Hola", "Su cita está confirmada.", "Cancelar"))
    assert untranslated(english, spanish, data) == []
    assert "Some script words" not in " ".join(spanish) and "IjA2NzU.abc" not in spanish


def test_attributes_people_read_are_checked_too():
    data = DataValues(PATIENT)
    english = visible_runs('<button aria-label="Book this time" data-loading-text="Booking…">Book</button>')
    spanish = visible_runs('<button aria-label="Book this time" data-loading-text="Reservando…">Reservar</button>')
    assert untranslated(english, spanish, data) == ["Book this time"]
    assert visible_runs('<input type="submit" value="Save"><img alt="Our logo" src="x.png">') == ["Save", "Our logo"]


def test_text_emails_are_read_line_by_line():
    data = DataValues({"patient": PATIENT, "links": ["https://clinic.example.org/p/x"]})
    english = text_runs("Hello Mereana,\n\nSee you soon.\nhttps://clinic.example.org/p/x\n")
    spanish = text_runs("Hola Mereana,\n\nSee you soon.\nhttps://clinic.example.org/p/x\n")
    assert untranslated(english, spanish, data) == ["See you soon."]


def test_a_marked_msgid_left_in_english_at_runtime_is_found():
    catalogue = {
        "Your appointment is confirmed.": "Su cita está confirmada.",
        "Good morning, %(name)s": "Buenos días, %(name)s",
        "Cancel": "Cancelar",
        "Email": "Email",
        "%(day)s, %(time)s": "%(day)s, %(time)s",
    }
    spanish = "Good morning, Mereana\nCancelar\nEmail: x\nlunes, 9:30"
    assert marked_but_english(catalogue, spanish) == ["Good morning, %(name)s"]  # "Cancel" in "Cancelar" is no match
