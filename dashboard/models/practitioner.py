"""A practitioner's public profile: what patients read in their emails."""

from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.extensions import Model
from dashboard.models.user import User


class Practitioner(Model):
    __tablename__ = "practitioners"
    __table_args__ = (CheckConstraint("consultation_fee >= 0", name="fee_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    specialty: Mapped[str] = mapped_column(String(120))
    consultation_fee: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0.00"))
    active: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Practitioner {self.name}>"
