"""The RQ worker's entry point: ``rq worker --worker-class jobs.worker.AppWorker`` (``make worker``, ``deploy/``).

:class:`AppWorker` builds the Flask app once, when the worker starts (before it forks a work horse per job), and
runs every job and every failure callback inside an app context of it — a job no longer pays for
``create_app()`` (configuration, FAB's security manager, blueprints, the CLI …). Each work horse first drops the
database connections it inherited from the worker (a connection must never be shared by two processes), then
opens its own. A plain ``rq worker`` still works: ``jobs.base.job_context`` builds :func:`worker_app` once per
process.

This module imports the whole app; nothing in ``app/``, ``views/``, ``jobs/`` or ``models/`` imports it.
"""

from __future__ import annotations

import os

from flask import Flask
from rq import Worker

from app import create_app
from app.extensions import db

__all__ = ["AppWorker", "forget_inherited_connections", "worker_app"]

_app: Flask | None = None
#: The process whose database connections the engine's pool holds (a forked child must not use them).
_pool_pid: int | None = None


def worker_app() -> Flask:
    """The app of this worker process, built on first use (configuration from the environment)."""
    global _app, _pool_pid
    if _app is None:
        _app = create_app()
        _pool_pid = os.getpid()
    return _app


def forget_inherited_connections() -> None:
    """In a process forked from the one that opened the pool's connections, drop them without closing them (the
    parent still uses them); new ones are opened on demand. Needs the app context."""
    global _pool_pid
    if _pool_pid != os.getpid():
        db.engine.dispose(close=False)
        _pool_pid = os.getpid()


class AppWorker(Worker):
    """An RQ worker that builds the app once and runs every job in an app context of it."""

    def work(self, *args, **kwargs):  # noqa: D401 - RQ's signature
        """Work inside the app context (the failure callbacks of abandoned jobs run in this process)."""
        with worker_app().app_context():
            return super().work(*args, **kwargs)

    def perform_job(self, job, queue):
        """In the work horse: the parent's connections dropped, a fresh app context (and session) for the job."""
        with worker_app().app_context():
            forget_inherited_connections()
            return super().perform_job(job, queue)
