"""The app context of a job: the caller's, the worker's (built once per process), never one app per job.

``rq worker --worker-class jobs.worker.AppWorker`` (``make worker``, ``deploy/``) builds the app once, before
forking, and runs every job inside an app context of it; in-process runs (no Redis, tests, ``SimpleWorker``)
run inside the caller's context. A plain ``rq worker`` gets the same per-process app from
:func:`jobs.worker.worker_app` here, looked up by name: the worker module is an entry point that imports the whole
app (views, CLI), so no module of ``jobs/`` imports it — the import graph stays free of cycles
(``tests/test_imports.py``).
"""

import importlib
from contextlib import contextmanager

from flask import has_app_context

__all__ = ["job_context"]

#: The worker's entry point (``jobs/worker.py``), imported by name when a job runs outside any app context.
WORKER_MODULE = "jobs.worker"


@contextmanager
def job_context():
    """Yield inside an app context: the caller's when there is one (in-process, ``AppWorker``), else one of the
    process's worker app (built at most once per process)."""
    if has_app_context():
        yield
        return
    worker = importlib.import_module(WORKER_MODULE)
    with worker.worker_app().app_context():
        worker.forget_inherited_connections()
        yield
