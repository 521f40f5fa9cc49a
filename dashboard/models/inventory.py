"""Stock: items, and every movement in or out with its reason and who made it.

`low_alerted` remembers that an item's fall to its minimum has been announced,
so the alert goes once per crossing: set (conditionally) when it goes to or
below the minimum, cleared when a restock takes it above again."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dashboard.extensions import Model
from dashboard.models.base import UTCDateTime, utcnow
from dashboard.models.user import User


class Item(Model):
    __tablename__ = "inventory_items"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("minimum_level >= 0", name="minimum_not_negative"),
        Index("ix_inventory_items_low", "active", "low_alerted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    sku: Mapped[str] = mapped_column(String(60), unique=True)
    unit: Mapped[str] = mapped_column(String(30), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    minimum_level: Mapped[int] = mapped_column(Integer, default=0)
    supplier: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)
    low_alerted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def is_low(self) -> bool:
        return self.quantity <= self.minimum_level

    def __repr__(self) -> str:
        return f"<Item {self.sku} {self.quantity}>"


class StockMovement(Model):
    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint("change <> 0", name="change_not_zero"),
        Index("ix_stock_movements_item_created", "item_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inventory_items.id"))
    change: Mapped[int] = mapped_column(Integer)  # + in, - out
    quantity_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    item: Mapped[Item] = relationship()
    by_user: Mapped[User | None] = relationship()
