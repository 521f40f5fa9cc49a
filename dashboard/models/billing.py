"""Invoices, their lines and the payments against them. Money is Decimal, never float:
NUMERIC(12, 2) columns, and every sum is rounded to cents once, half up."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.extensions import Model
from dashboard.models.base import UTCDateTime, utcnow
from dashboard.models.patient import Patient

MONEY = Numeric(12, 2)


class InvoiceStatus(StrEnum):
    UNPAID = "unpaid"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    VOID = "void"

    @property
    def label(self) -> str:
        return {"partially_paid": "Partially paid"}.get(self.value, self.value.capitalize())


OWING = (InvoiceStatus.UNPAID, InvoiceStatus.PARTIALLY_PAID)


class Invoice(Model):
    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("status IN ('unpaid', 'partially_paid', 'paid', 'void')", name="status_known"),
        CheckConstraint("total >= 0 AND amount_paid >= 0 AND amount_paid <= total", name="amounts_sane"),
        CheckConstraint("discount >= 0 AND tax >= 0", name="no_negative_parts"),
        Index("ix_invoices_status_due", "status", "due_on"),
        Index("ix_invoices_patient_issued", "patient_id", "issued_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=InvoiceStatus.UNPAID)
    subtotal: Mapped[Decimal] = mapped_column(MONEY)
    discount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4), default=Decimal("0"))
    tax: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(MONEY)
    amount_paid: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    void_reason: Mapped[str | None] = mapped_column(Text)

    patient: Mapped[Patient] = relationship()
    items: Mapped[list["InvoiceItem"]] = relationship(
        back_populates="invoice", order_by="InvoiceItem.id", cascade="all, delete-orphan"
    )
    payments: Mapped[list["Payment"]] = relationship(back_populates="invoice", order_by="Payment.id")

    @property
    def balance(self) -> Decimal:
        return self.total - self.amount_paid

    amount_due = balance  # what the email templates read

    @property
    def status_enum(self) -> InvoiceStatus:
        return InvoiceStatus(self.status)

    def __repr__(self) -> str:
        return f"<Invoice {self.number} {self.status} {self.total}>"


class InvoiceItem(Model):
    __tablename__ = "invoice_items"
    __table_args__ = (CheckConstraint("quantity > 0 AND unit_price >= 0", name="positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    total: Mapped[Decimal] = mapped_column(MONEY)

    invoice: Mapped[Invoice] = relationship(back_populates="items")


class Payment(Model):
    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    method: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(100), default="")
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime())
    receipt_number: Mapped[str] = mapped_column(String(30), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    invoice: Mapped[Invoice] = relationship(back_populates="payments")
