"""`flask` commands registered by the factory."""

from decimal import Decimal, InvalidOperation

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from dashboard.models import Role
from dashboard.services import ServiceError, demo, users


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)


@click.command("create-user")
@click.option("--username", prompt=True, help="Login name (case-insensitive).")
@click.option("--email", prompt=True, help="Where the user's notifications go.")
@click.option("--name", "full_name", prompt="Full name", help="Shown in the dashboard.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.STAFF.value, show_default=True)
@click.option("--specialty", default=None, help="Practitioners only.")
@click.option("--fee", default=None, help="Practitioners only: consultation fee, e.g. 85.00.")
@click.password_option(help="Asked for when not given (never put it in shell history).")
@with_appcontext
def create_user_command(username, email, full_name, role, specialty, fee, password):
    """Add a user who can log in (e.g. the first owner)."""
    try:
        consultation_fee = Decimal(fee) if fee else None
    except InvalidOperation:
        raise click.BadParameter("must be a number such as 85.00", param_hint="--fee") from None
    try:
        user = users.create_user(
            username=username,
            email=email,
            full_name=full_name,
            role=role,
            password=password,
            specialty=specialty,
            consultation_fee=consultation_fee,
        )
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.role} {user.username!r} ({user.email}).")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing, quietly, when users already exist.")
@with_appcontext
def seed_demo_command(if_empty):
    """Fill an empty database with a demo clinic: owner, staff, practitioners, 50 patients."""
    if current_app.config["CONFIG_NAME"] == "production":
        raise click.ClickException("Refusing to load demo data into a production database.")
    if demo.is_seeded():
        if if_empty:
            return
        raise click.ClickException("The database already has users; demo data goes into an empty one.")
    counts = demo.seed(current_app.config["DEMO_PASSWORD"])
    click.echo(f"Demo clinic ready: {counts['users']} users, {counts['patients']} patients.")
