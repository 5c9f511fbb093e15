"""Helpers every job uses: an app context of its own (a worker process has none)."""

from contextlib import contextmanager

from flask import has_app_context

__all__ = ["job_context"]


@contextmanager
def job_context():
    """Yield inside an app context: the caller's when there is one (in-process), else a new app's."""
    if has_app_context():
        yield
        return
    from app import create_app
    from app.extensions import db

    app = create_app()
    with app.app_context():
        db.engine.dispose(close=False)
        yield
