"""Stock: items, movements in and out, and the low-stock alert, once per crossing.

A movement is one conditional UPDATE (`quantity = quantity + change WHERE
quantity + change >= 0`), so stock never goes below zero, even with two
people taking the last box at once. The alert is claimed the same way
(`low_alerted` false → true while the item is at or below its minimum), so
exactly one movement announces a crossing; a restock above the minimum
clears it for the next one.
"""

import logging
import uuid
from typing import cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from dashboard import notify
from dashboard.extensions import db
from dashboard.models import Item, Role, StockMovement, User
from dashboard.navigation import external_url, path_for
from dashboard.pages import Page, page_of
from dashboard.services import ServiceError, unit_of_work
from dashboard.services.search import containing
from dashboard.wording import in_units, stock_left

log = logging.getLogger(__name__)

MAX_QUANTITY = 1_000_000


def _clean(name: str, sku: str, minimum_level: int) -> tuple[str, str]:
    name, sku = (name or "").strip(), (sku or "").strip().upper()
    if not name:
        raise ServiceError("Give the item a name.")
    if not sku:
        raise ServiceError("Give the item a SKU (stock code).")
    if not 0 <= minimum_level <= MAX_QUANTITY:
        raise ServiceError("The minimum level must be zero or more.")
    return name, sku


@unit_of_work()
def create_item(
    *, name: str, sku: str, unit: str = "", quantity: int = 0, minimum_level: int = 0, supplier: str = "",
    by_user: User,
) -> Item:  # fmt: skip
    name, sku = _clean(name, sku, minimum_level)
    if not 0 <= quantity <= MAX_QUANTITY:
        raise ServiceError("The starting quantity must be zero or more.")
    item = Item(
        name=name[:120], sku=sku[:60], unit=(unit or "").strip()[:30], quantity=0, minimum_level=minimum_level,
        supplier=(supplier or "").strip()[:120],
    )  # fmt: skip
    db.session.add(item)
    try:
        db.session.flush()
    except IntegrityError:
        raise ServiceError(f"Another item already has the SKU {sku}.") from None
    if quantity:
        _apply(item, quantity, "Opening stock", by_user)
    else:
        _check_low(item, by_user=by_user)
    return item


@unit_of_work()
def update_item(
    item_id: int, *, name: str, sku: str, unit: str, minimum_level: int, supplier: str, by_user: User
) -> Item:
    item = get(item_id)
    name, sku = _clean(name, sku, minimum_level)
    item.name, item.sku, item.unit = name[:120], sku[:60], (unit or "").strip()[:30]
    item.supplier = (supplier or "").strip()[:120]
    item.minimum_level = minimum_level
    try:
        db.session.flush()
    except IntegrityError:
        raise ServiceError(f"Another item already has the SKU {sku}.") from None
    _check_low(item, by_user=by_user)  # a raised minimum can make it low
    return item


def get(item_id: int) -> Item:
    item = db.session.get(Item, item_id)
    if item is None:
        raise LookupError(item_id)
    return item


@unit_of_work()
def move(item_id: int, change: int, reason: str, *, by_user: User) -> StockMovement:
    """Stock in (change > 0) or out (< 0), with a reason; refuses going below zero."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Give a reason for the movement (e.g. “Delivery from MedSupply”, “Used in surgery”).")
    if change == 0:
        raise ServiceError("The quantity must not be zero.")
    if abs(change) > MAX_QUANTITY:
        raise ServiceError("That quantity is too large.")
    return _apply(get(item_id), change, reason, by_user)


def _apply(item: Item, change: int, reason: str, by_user: User) -> StockMovement:
    """The movement, in the caller's transaction: one conditional UPDATE, then its record."""
    changed = cast(
        CursorResult,
        db.session.execute(
            update(Item)
            .where(Item.id == item.id, Item.quantity + change >= 0)
            .values(quantity=Item.quantity + change)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    db.session.refresh(item)
    if not changed:  # the caller's unit rolls back what it wrote before
        raise ServiceError(f"Only {in_units(item.quantity, item.unit)} left: you can't take out {-change}.")
    movement = StockMovement(
        item_id=item.id, change=change, quantity_after=item.quantity, reason=reason[:500], by_user_id=by_user.id
    )
    db.session.add(movement)
    db.session.flush()
    _check_low(item, by_user=by_user, movement_id=movement.id)
    return movement


def _check_low(item: Item, *, by_user: User, movement_id: int | None = None) -> None:
    """Announce a fall to or below the minimum once; re-arm once it is above again."""
    if item.quantity > item.minimum_level:
        db.session.execute(
            update(Item)
            .where(Item.id == item.id, Item.low_alerted.is_(True), Item.quantity > Item.minimum_level)
            .values(low_alerted=False)
        )
        return
    claimed = cast(
        CursorResult,
        db.session.execute(
            update(Item)
            .where(Item.id == item.id, Item.low_alerted.is_(False), Item.quantity <= Item.minimum_level)
            .values(low_alerted=True)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if not claimed:
        return  # already announced: it stays low
    keepers = keepers_of_stock()
    log.info("item %s (%s) at %s, minimum %s: alerting %d", item.sku, item.name, item.quantity, item.minimum_level,
             len(keepers))  # fmt: skip
    notify.bell(
        keepers,
        "low_stock_alert",
        f"Low stock: {item.name} ({stock_left(item.quantity, item.unit)}, minimum {item.minimum_level})",
        link=path_for("inventory.detail", item_id=item.id),
        email_context={"item": item, "item_url": external_url("inventory.detail", item_id=item.id)},
        # unique per crossing (the claim above makes it once per crossing)
        dedupe_key=f"low_stock:{item.id}:{movement_id or uuid.uuid4().hex}",
    )


def keepers_of_stock() -> list[User]:
    """Staff and owners marked as inventory keepers; if nobody is, the owners (an alert is never lost)."""
    desk = [Role.OWNER, Role.STAFF]
    keepers = list(
        db.session.scalars(
            select(User).where(User.inventory_keeper.is_(True), User.active.is_(True), User.role.in_(desk))
        )
    )
    return keepers or list(db.session.scalars(select(User).where(User.role == Role.OWNER, User.active.is_(True))))


@unit_of_work()
def set_keeper(user_id: int, keeper: bool) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise LookupError(user_id)
    if keeper and user.role == Role.PRACTITIONER:
        raise ServiceError("Stock pages are for staff and owners; a practitioner can't keep stock.")
    user.inventory_keeper = keeper
    return user


def items(*, q: str = "", low_only: bool = False, page: int = 1, per_page: int = 50) -> Page:
    query = select(Item).where(Item.active.is_(True)).order_by(Item.name, Item.id)
    if (q or "").strip():
        query = query.where(containing(q, Item.name, Item.sku, Item.supplier))
    if low_only:
        query = query.where(Item.quantity <= Item.minimum_level)
    return page_of(query, page, per_page)


def low_items(limit: int = 20) -> list[Item]:
    return list(
        db.session.scalars(
            select(Item)
            .where(Item.active.is_(True), Item.quantity <= Item.minimum_level)
            .order_by(Item.quantity - Item.minimum_level, Item.name)
            .limit(limit)
        )
    )


def history(item_id: int, limit: int = 200) -> list[StockMovement]:
    return list(
        db.session.scalars(
            select(StockMovement)
            .where(StockMovement.item_id == item_id)
            .order_by(StockMovement.created_at.desc(), StockMovement.id.desc())
            .limit(limit)
        )
    )
