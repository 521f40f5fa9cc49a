"""Stock pages for the desk: the item list, an item's details and history, stock in and out."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dashboard.inventory.forms import ItemForm, MoveForm, NewItemForm
from dashboard.pages import found_or_404, page_number, search_term
from dashboard.security import DESK, roles_required
from dashboard.services import ServiceError
from dashboard.services import inventory as inventory_service
from dashboard.wording import in_units

bp = Blueprint("inventory", __name__)

PER_PAGE = 25


@bp.route("/")
@roles_required(*DESK)
def index():
    q = search_term()
    low = request.args.get("low", "", type=str) == "1"
    page = page_number()
    pagination = inventory_service.items(q=q, low_only=low, page=page, per_page=PER_PAGE)
    return render_template("inventory/index.html", pagination=pagination, q=q, low=low)


@bp.route("/items/new", methods=["GET", "POST"])
@roles_required(*DESK)
def new():
    form = NewItemForm()
    if form.validate_on_submit():
        try:
            item = inventory_service.create_item(
                name=form.name.data,
                sku=form.sku.data,
                unit=form.unit.data or "",
                quantity=form.quantity.data,
                minimum_level=form.minimum_level.data,
                supplier=form.supplier.data or "",
                by_user=current_user,
            )
        except ServiceError as exc:
            flash(str(exc), "danger")
        else:
            flash(f"{item.name} added.", "success")
            return redirect(url_for("inventory.detail", item_id=item.id))
    status = 400 if form.is_submitted() else 200
    return render_template("inventory/form.html", form=form, item=None), status


@bp.route("/items/<int:item_id>")
@roles_required(*DESK)
def detail(item_id: int):
    return _detail_page(found_or_404(inventory_service.get, item_id), MoveForm(formdata=None))


def _detail_page(item, move_form: MoveForm, status: int = 200):
    history = inventory_service.history(item.id)
    return render_template("inventory/detail.html", item=item, form=move_form, history=history), status


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@roles_required(*DESK)
def edit(item_id: int):
    item = found_or_404(inventory_service.get, item_id)
    form = ItemForm(obj=item)
    if form.validate_on_submit():
        try:
            item = inventory_service.update_item(
                item.id,
                name=form.name.data,
                sku=form.sku.data,
                unit=form.unit.data or "",
                minimum_level=form.minimum_level.data,
                supplier=form.supplier.data or "",
                by_user=current_user,
            )
        except ServiceError as exc:
            flash(str(exc), "danger")
        else:
            flash(f"Saved: {item.name}.", "success")  # a name may be plural: no verb agrees with it
            return redirect(url_for("inventory.detail", item_id=item.id))
    status = 400 if form.is_submitted() else 200
    return render_template("inventory/form.html", form=form, item=item), status


@bp.route("/items/<int:item_id>/move", methods=["GET", "POST"])
@roles_required(*DESK)
def move(item_id: int):
    """POST: stock in or out. GET (a reload, a bookmark) goes back to the item."""
    item = found_or_404(inventory_service.get, item_id)
    if request.method == "GET":
        return redirect(url_for("inventory.detail", item_id=item.id))
    form = MoveForm()
    if form.validate_on_submit():
        change = form.quantity.data if form.direction.data == "in" else -form.quantity.data
        try:
            movement = inventory_service.move(item.id, change, form.reason.data, by_user=current_user)
        except ServiceError as exc:
            flash(str(exc), "danger")
            item = found_or_404(inventory_service.get, item_id)  # the failed movement rolled back: read it afresh
        else:
            word = "in" if change > 0 else "out"
            moved, left = in_units(abs(change), item.unit), in_units(movement.quantity_after, item.unit)
            flash(f"{moved} {word}; {item.name}: {left} in stock.", "success")
            return redirect(url_for("inventory.detail", item_id=item.id))
    return _detail_page(item, form, 400)
