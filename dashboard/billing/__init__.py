"""Billing: invoices, payments, receipts and what is owed."""

from dashboard.billing.routes import bp

__all__ = ["bp"]
