"""Invoice PDFs one after another: the fonts parsed once per process, against parsed per PDF.

`services.pdf.invoice_pdf` on one invoice (a patient with macrons, three lines, GST, a part
payment), built as unsaved rows (no database: the PDF is what is timed). Timed N times in two
ways, interleaved so the machine's load of the moment falls on both alike, each after
`gc.collect()`, in this process's CPU time (`time.process_time()`: on a shared machine wall time
measures the neighbours): "parsed each time" clears the font cache before the PDF (what every PDF cost
before the cache: fpdf2's add_font parses DejaVu Sans and DejaVu Sans Bold, their widths and
glyph maps, for every document), "cached" makes the PDF from the fonts parsed once. The first
PDF of the process (the one that fills the cache) is reported on its own. Each PDF's text is
read back (pypdf) and must hold the patient's name as written.
Target: the median cached PDF at most TARGET_RATIO of the median parsed-each-time PDF.
"""

import gc
import io
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Report, Scratch, median, ratio_figure, time_limit  # noqa: E402

N = 15
TARGET_RATIO = 0.85  # cached / parsed each time, CPU medians: the rest of a PDF is fontTools subsetting each file
NAME = ("Mere", "Pōmare-Ngātiwai")


def _invoice():
    from dashboard.models import Invoice, InvoiceItem, Patient, Payment

    patient = Patient(first_name=NAME[0], last_name=NAME[1], email="mere@patients.example.org")
    invoice = Invoice(
        number="INV-2026-42", patient=patient, issued_on=date(2026, 12, 2), due_on=date(2026, 12, 16),
        tax_rate=Decimal("0.15"), discount=Decimal("0"),
    )  # fmt: skip
    for description, qty, price in [("Consultation — Dr Tūhoe", "1", "85.00"), ("Dressing", "2", "7.50"),
                                    ("Kōrero ā-waea (phone call)", "1", "20.00")]:  # fmt: skip
        invoice.items.append(InvoiceItem(description=description, quantity=Decimal(qty), unit_price=Decimal(price)))
    invoice.payments.append(Payment(amount=Decimal("50.00"), method="Card"))
    return invoice


def _add_font_from_the_file(doc, style: str) -> None:
    from dashboard.services import pdf

    doc.add_font("DejaVu", style, str(pdf.FONT_FILES[style]))


def _timed(make) -> tuple[float, bytes]:
    gc.collect()
    started = time.process_time()  # this process's CPU time: the machine is shared, wall time is its load's
    data = make()
    return time.process_time() - started, data


def main() -> int:
    time_limit(300)
    from pypdf import PdfReader

    from dashboard.services import pdf

    report = Report("invoice_pdf")
    with Scratch("invoice-pdf") as scratch:
        app = scratch.app(CLINIC_TAX_RATE="0.15", CLINIC_TAX_LABEL="GST")
        with app.app_context():
            invoice = _invoice()
            pdf._parsed_font.cache_clear()
            first, data = _timed(lambda: pdf.invoice_pdf(invoice))
            texts = [data]
            parsed, cached = [], []
            cached_fonts = pdf._add_parsed_font
            for _ in range(N):
                pdf._add_parsed_font = _add_font_from_the_file  # as every PDF was made before the cache
                try:
                    seconds, data = _timed(lambda: pdf.invoice_pdf(invoice))
                finally:
                    pdf._add_parsed_font = cached_fonts
                parsed.append(seconds)
                texts.append(data)
                seconds, data = _timed(lambda: pdf.invoice_pdf(invoice))
                cached.append(seconds)
                texts.append(data)
    name = " ".join(NAME)
    readable = all(name in PdfReader(io.BytesIO(t)).pages[0].extract_text() for t in texts)
    ratio = median(cached) / median(parsed)
    report.line(f"first PDF of the process (fills the cache): {first * 1000:.1f} ms CPU")
    report.line(f"parsed each time, median of {N}: {median(parsed) * 1000:.1f} ms (min {min(parsed) * 1000:.1f})")
    report.line(f"cached fonts, median of {N}: {median(cached) * 1000:.1f} ms (min {min(cached) * 1000:.1f})")
    report.check("macrons", readable, f"every PDF's text reads back '{name}'")
    report.check(
        "cached/parsed",
        ratio <= TARGET_RATIO,
        ratio_figure("cached", median(cached), "parsed each time", median(parsed), TARGET_RATIO),
    )
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
