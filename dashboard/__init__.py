"""The clinic dashboard: `create_app()` builds the Flask application."""

import os
from pathlib import Path

from flask import Flask

from config import CONFIGS, ProductionConfig


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    config_name = config_name or os.environ.get("FLASK_CONFIG", "development")
    if config_name not in CONFIGS:
        raise RuntimeError(f"FLASK_CONFIG must be one of {', '.join(CONFIGS)}; got {config_name!r}")

    app = Flask(__name__, instance_path=instance_path())
    app.config.from_object(CONFIGS[config_name])
    app.config.update(overrides or {})
    app.config["CONFIG_NAME"] = config_name
    if config_name == "production":
        ProductionConfig.check(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY") and config_name == "development":
        from dashboard.keys import instance_secret_key

        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)

    from dashboard import database, languages, logs, pages, queues, sessions, settings

    logs.init_app(app)
    database.init_app(app)
    queues.init_app(app)
    settings.init_app(app)
    app.session_interface = sessions.SettingsSessionInterface()
    _init_extensions(app)
    languages.init_app(app)
    pages.init_app(app)  # before the routes: their <int:...> ids are bounded
    _register_blueprints(app)

    from dashboard import cli, errors, security, templating

    templating.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    cli.init_app(app)
    return app


def instance_path() -> str:
    """Where SQLite, the embedded Redis and development's secret key live."""
    return os.environ.get("DASHBOARD_INSTANCE_PATH") or str(Path(__file__).resolve().parent.parent / "instance")


def _init_extensions(app: Flask) -> None:
    from dashboard import models  # noqa: F401  (registers the tables)
    from dashboard.extensions import csrf, db, limiter, login_manager, migrate
    from dashboard.models.base import render_migration_item

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).resolve().parent.parent / "migrations"),
        render_as_batch=True,  # SQLite can only alter tables by copying them
        compare_type=True,
        render_item=render_migration_item,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from dashboard.admin import bp as admin_bp
    from dashboard.appointments import bp as appointments_bp
    from dashboard.auth import bp as auth_bp
    from dashboard.billing import bp as billing_bp
    from dashboard.calendar import bp as calendar_bp
    from dashboard.inventory import bp as inventory_bp
    from dashboard.main import bp as main_bp
    from dashboard.messages import bp as messages_bp
    from dashboard.notifications import bp as notifications_bp
    from dashboard.offers import bp as offers_bp
    from dashboard.outbox import bp as outbox_bp
    from dashboard.patients import bp as patients_bp
    from dashboard.portal import bp as portal_bp
    from dashboard.schedule import bp as schedule_bp
    from dashboard.services import offers  # noqa: F401  (connects the offers' receivers of the slot events)
    from dashboard.waitlist import bp as waitlist_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(notifications_bp, url_prefix="/notifications")
    app.register_blueprint(outbox_bp, url_prefix="/admin")
    app.register_blueprint(schedule_bp, url_prefix="/schedule")
    app.register_blueprint(calendar_bp, url_prefix="/calendar")
    app.register_blueprint(appointments_bp, url_prefix="/appointments")
    app.register_blueprint(patients_bp, url_prefix="/patients")
    app.register_blueprint(portal_bp, url_prefix="/p")  # the patients' own pages: /p/ is in every link already emailed
    app.register_blueprint(offers_bp, url_prefix="/offers")
    app.register_blueprint(billing_bp, url_prefix="/billing")
    app.register_blueprint(inventory_bp, url_prefix="/inventory")
    app.register_blueprint(waitlist_bp, url_prefix="/waitlist")
    app.register_blueprint(messages_bp, url_prefix="/messages")
