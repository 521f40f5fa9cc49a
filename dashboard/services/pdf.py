"""Invoices and receipts as PDF files, attached to their emails and downloadable by staff.

fpdf2 with DejaVu Sans (vendored in static/fonts, with its licence), so
names with macrons and other non-Latin-1 letters print as written. The fonts
are parsed once per process (their widths and glyph map, two thirds of a PDF's
time when parsed each time: bench/invoice_pdf.py); each document gets its own
copy of what a document changes while it is written (bench/README.md).
"""

import copy
import functools
import io
from pathlib import Path

from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from dashboard.clinic_time import clinic_date, clinic_datetime
from dashboard.models import Invoice, Payment
from dashboard.settings import setting
from dashboard.wording import money, quantity

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT_FILES = {"": FONTS / "DejaVuSans.ttf", "B": FONTS / "DejaVuSans-Bold.ttf"}


@functools.cache
def _parsed_font(style: str) -> TTFFont:
    """DejaVu in `style`, parsed by fpdf2's own add_font once per process."""
    holder = FPDF()
    holder.add_font("DejaVu", style, str(FONT_FILES[style]))
    font = holder.fonts[f"dejavu{style}"]
    assert isinstance(font, TTFFont)  # add_font of a .ttf file makes one
    assert font.color_font is None, "a colour font would tie the parsed font to its first document"
    font.ttfont.close()  # what add_font read from it is in the font's own dicts; each document opens its own
    return font


# The tables fpdf2's output drops from every embedded subset (fpdf/output.py, _add_fonts): dropped
# here once, so a document's subsetter doesn't parse them (GSUB and GPOS are a third of its time).
DROPPED_TABLES = ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT", "CBLC", "EBDT", "EBLC",
                  "EBSC", "SVG ", "CPAL", "COLR"]  # fmt: skip


@functools.cache
def _font_file(style: str) -> bytes:
    """The font file as each document opens it: the vendored file less the tables output drops
    (same glyph order, names and outlines, so what add_font parsed from the file still applies)."""
    with ttLib.TTFont(FONT_FILES[style], recalcTimestamp=False) as font:
        for tag in DROPPED_TABLES:
            if tag in font:
                del font[tag]
        out = io.BytesIO()
        font.save(out)
    return out.getvalue()


def _add_parsed_font(doc: FPDF, style: str) -> None:
    """What add_font would add, from the parsed font: its widths and glyph map are only read, so
    they are shared; what a document changes as it writes is its own. Writing subsets the font
    file's tables in place, so each document opens the file afresh, from its bytes read once
    (lazily: a table is parsed only when the subsetter asks for it, as add_font itself opens it)."""
    font = copy.copy(_parsed_font(style))
    font.i = len(doc.fonts) + 1
    font.ttfont = ttLib.TTFont(io.BytesIO(_font_file(style)), recalcTimestamp=False, lazy=True)
    font.desc = copy.copy(font.desc)  # output names it and numbers it as one of this document's objects
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.subset = SubsetMap(font)
    doc.fonts[font.fontkey] = font


class _Document(FPDF):
    def __init__(self, title: str):
        super().__init__(format="A4")
        for style in FONT_FILES:
            _add_parsed_font(self, style)
        self.set_title(title)
        self.set_author(setting("CLINIC_NAME"))
        self.set_margins(18, 18, 18)
        self.add_page()
        self._letterhead(title)

    def _letterhead(self, title: str) -> None:
        self.set_font("DejaVu", "B", 16)
        self.cell(0, 9, setting("CLINIC_NAME"), new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "", 9)
        self.cell(0, 5, setting("CLINIC_ADDRESS"), new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 5, f"Phone {setting('CLINIC_PHONE')}", new_x="LMARGIN", new_y="NEXT")
        self.ln(6)
        self.set_font("DejaVu", "B", 14)
        self.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "", 10)

    def pair(self, label: str, value: str) -> None:
        self.set_font("DejaVu", "", 10)
        self.cell(45, 6, label)
        self.set_font("DejaVu", "B", 10)
        self.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "", 10)

    def row(self, cells: list[tuple[str, float, str]], bold: bool = False) -> None:
        self.set_font("DejaVu", "B" if bold else "", 10)
        for text, width, align in cells:
            self.cell(width, 7, text, align=align)
        self.ln(7)

    def bytes(self) -> bytes:
        return bytes(self.output())


def invoice_pdf(invoice: Invoice) -> bytes:
    doc = _Document(f"Invoice {invoice.number}")
    doc.pair("Billed to", invoice.patient.name)
    doc.pair("Issued", clinic_date(invoice.issued_on, weekday=False))
    doc.pair("Due by", clinic_date(invoice.due_on, weekday=False))
    doc.ln(4)
    widths = (95, 20, 30, 29)
    doc.row([("Description", widths[0], "L"), ("Qty", widths[1], "R"), ("Unit price", widths[2], "R"),
             ("Amount", widths[3], "R")], bold=True)  # fmt: skip
    for item in invoice.items:
        doc.row([(_fit(item.description, 58), widths[0], "L"), (quantity(item.quantity), widths[1], "R"),
                 (money(item.unit_price), widths[2], "R"), (money(item.total), widths[3], "R")])  # fmt: skip
    doc.ln(2)
    label_width = sum(widths[:3])
    doc.row([("Subtotal", label_width, "R"), (money(invoice.subtotal), widths[3], "R")])
    if invoice.discount:
        doc.row([("Discount", label_width, "R"), (f"-{money(invoice.discount)}", widths[3], "R")])
    if invoice.tax:
        rate = f"{(invoice.tax_rate * 100).normalize():f}%"
        doc.row([(f"{setting('CLINIC_TAX_LABEL')} {rate}", label_width, "R"), (money(invoice.tax), widths[3], "R")])
    doc.row([("Total", label_width, "R"), (money(invoice.total), widths[3], "R")], bold=True)
    if invoice.amount_paid:
        doc.row([("Paid", label_width, "R"), (money(invoice.amount_paid), widths[3], "R")])
        doc.row([("Balance due", label_width, "R"), (money(invoice.balance), widths[3], "R")], bold=True)
    doc.ln(6)
    doc.set_font("DejaVu", "", 9)
    doc.multi_cell(0, 5, f"How to pay: {setting('PAYMENT_INSTRUCTIONS')}")
    return doc.bytes()


def receipt_pdf(payment: Payment) -> bytes:
    invoice = payment.invoice
    doc = _Document(f"Receipt {payment.receipt_number}")
    doc.pair("Received from", invoice.patient.name)
    doc.pair("Amount", money(payment.amount))
    doc.pair("Paid on", clinic_datetime(payment.paid_at))
    doc.pair("Method", payment.method)
    if payment.reference:
        doc.pair("Reference", payment.reference)
    doc.pair("For invoice", invoice.number)
    doc.pair("Invoice total", money(invoice.total))
    doc.pair("Paid so far", money(invoice.amount_paid))
    doc.pair("Balance due", money(invoice.balance))
    doc.ln(6)
    doc.set_font("DejaVu", "", 9)
    doc.multi_cell(0, 5, "Thank you for your payment.")
    return doc.bytes()


def _fit(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
