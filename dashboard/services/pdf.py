"""Invoices and receipts as PDF files, attached to their emails and downloadable by staff.

fpdf2 with DejaVu Sans (vendored in static/fonts, with its licence), so
names with macrons and other non-Latin-1 letters print as written.
"""

from pathlib import Path

from flask import current_app
from fpdf import FPDF

from dashboard.clinic_time import clinic_date, clinic_datetime
from dashboard.models import Invoice, Payment
from dashboard.templating import money, quantity

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"


class _Document(FPDF):
    def __init__(self, title: str):
        super().__init__(format="A4")
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_title(title)
        self.set_author(current_app.config["CLINIC_NAME"])
        self.set_margins(18, 18, 18)
        self.add_page()
        self._letterhead(title)

    def _letterhead(self, title: str) -> None:
        config = current_app.config
        self.set_font("DejaVu", "B", 16)
        self.cell(0, 9, config["CLINIC_NAME"], new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "", 9)
        self.cell(0, 5, config["CLINIC_ADDRESS"], new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 5, f"Phone {config['CLINIC_PHONE']}", new_x="LMARGIN", new_y="NEXT")
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
    config = current_app.config
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
        doc.row([(f"{config['CLINIC_TAX_LABEL']} {rate}", label_width, "R"), (money(invoice.tax), widths[3], "R")])
    doc.row([("Total", label_width, "R"), (money(invoice.total), widths[3], "R")], bold=True)
    if invoice.amount_paid:
        doc.row([("Paid", label_width, "R"), (money(invoice.amount_paid), widths[3], "R")])
        doc.row([("Balance due", label_width, "R"), (money(invoice.balance), widths[3], "R")], bold=True)
    doc.ln(6)
    doc.set_font("DejaVu", "", 9)
    doc.multi_cell(0, 5, f"How to pay: {config['PAYMENT_INSTRUCTIONS']}")
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
