"""Staff's view of offers: who was offered which slot, when, in what order, and the outcome."""

from dashboard.offers.routes import bp

__all__ = ["bp"]
