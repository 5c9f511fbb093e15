"""Application factory: a flat list of ``init_*`` steps."""

import os

from flask import Flask
from flask_appbuilder import AppBuilder

from app.extensions import db, migrate

__all__ = ["create_app"]

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))


def create_app(config_object: str | object = "config.Config") -> Flask:
    """Build the Flask app with Flask-AppBuilder, migrations, Babel, jobs, views and CLI."""
    app = Flask(__name__, instance_path=os.path.join(ROOT, "instance"))
    app.config.from_object(config_object)
    from app.security.passwords import fab_password_validator

    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", fab_password_validator)
    init_security_headers(app)
    init_csrf(app)
    init_input_guard(app)
    init_database(app)
    init_audit(app)
    with app.app_context():
        appbuilder = init_appbuilder(app)
        init_views(appbuilder)
    init_session_rules(app)
    init_maintenance_banner(app)
    init_errors(app)
    init_jobs(app)
    init_cli(app)
    app.add_url_rule("/favicon.ico", "favicon", lambda: ("", 204))
    return app


def init_security_headers(app: Flask) -> None:
    """Security headers, CSP nonce, cookie flags and body caps: first, so every later hook's answer has them."""
    from app.security.headers import init_security_headers as _init

    _init(app)


def init_csrf(app: Flask) -> None:
    """CSRF protection of every state-changing request (before FAB registers its REST API, which it exempts)."""
    from app.security.csrf import init_csrf as _init

    _init(app)


def init_input_guard(app: Flask) -> None:
    """Refuse control characters and out-of-range list parameters before any view runs (a Vietnamese 400)."""
    from app.request_input import init_input_guard as _init

    _init(app)


def init_database(app: Flask) -> None:
    """Bind SQLAlchemy and Alembic (migrations in the top-level ``migrations/`` folder)."""
    import models  # noqa: F401  (registers every table on the metadata)

    _planner_settings(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"), render_as_batch=True)


def _planner_settings(app: Flask) -> None:
    """On PostgreSQL, every connection of the app prices random reads as on SSDs (``DB_RANDOM_PAGE_COST``, default
    1.1; empty: the server's setting). The server default 4 assumes spinning disks: with it the planner reads the
    whole ``person`` table (250,000 wide rows, ~500 MB) rather than one agency's 8,000 files through
    ``ix_person_org_unit_sort`` — the dashboard's head counts took 140–570 ms instead of 13 ms on the bench city
    (``make load``). Passed as a connection option (``-c``), so it holds for every statement, worker and forked
    helper without a round trip."""
    cost = str(app.config.get("DB_RANDOM_PAGE_COST") or "").strip()
    if not cost or not str(app.config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args["options"] = f"{connect_args.get('options', '')} -c random_page_cost={float(cost)}".strip()
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def init_audit(app: Flask) -> None:
    """Change log (same transaction as each change) and access/security log."""
    from app.audit import init_audit as _init

    _init(app)


def init_appbuilder(app: Flask) -> AppBuilder:
    """Create Flask-AppBuilder for this app (security manager, Babel, menus)."""
    appbuilder = AppBuilder()
    appbuilder.init_app(app, db.session)
    return appbuilder


def init_session_rules(app: Flask) -> None:
    """Idle timeout and the first-login password change (HN-6.2)."""
    from app.security.session import init_session_rules as _init

    _init(app)


def init_views(appbuilder: AppBuilder) -> None:
    """Register every aggregate's views and menus."""
    from views import register_views

    register_views(appbuilder)


def init_maintenance_banner(app: Flask) -> None:
    """The maintenance notice on every page (HCM-4.2)."""
    from views.operations import init_maintenance_banner as _init

    _init(app)


def init_errors(app: Flask) -> None:
    """Vietnamese error pages (400, 403, 404, 405, 413, 500) in the app's layout."""
    from app.errors import init_errors as _init

    _init(app)


def init_jobs(app: Flask) -> None:
    """Attach the job queue: RQ on Redis when ``REDIS_URL`` is set, in-process otherwise."""
    from jobs import init_queue

    init_queue(app)


def init_cli(app: Flask) -> None:
    """Register the project's ``flask`` commands."""
    from app.cli import register_cli

    register_cli(app)
