"""Background jobs: RQ on Redis when ``REDIS_URL`` is set, run in-process otherwise (embedded default).

Jobs take ids, run in an app context (``jobs.base.job_context``: the caller's, or the worker's app, built once per
process by ``jobs.worker``), and are safe to run twice. Services queue their jobs by dotted path once their
transaction has committed (``app.services.errors.after_commit``); the leased jobs' lifecycle is ``jobs/runner.py``.
"""

import importlib
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

__all__ = ["enqueue", "init_queue", "redis_options", "InlineJob"]


def redis_options(timeout: float) -> dict[str, Any]:
    """Options of every Redis client of the app (the queue's, the rate limiter's): short socket timeouts and one
    immediate retry of a failed command (a connection reset mid-command reconnects). Never more, never backing
    off: the default of redis-py's ``Redis(...)`` (10 retries, backing off up to 1 s) turns each command against
    a stopped server into ~4 s of a page's time, and into ~20 s against an unreachable host."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return {"socket_connect_timeout": timeout, "socket_timeout": timeout, "retry": Retry(NoBackoff(), 1)}


class InlineJob:
    """Result of a job run in-process, shaped like the parts of ``rq.job.Job`` we use."""

    def __init__(self, result: Any):
        self.id = "inline"
        self._result = result

    def get_status(self) -> str:
        """In-process jobs are finished when ``enqueue`` returns."""
        return "finished"

    def return_value(self) -> Any:
        """What the job function returned."""
        return self._result


def init_queue(app: Flask) -> None:
    """Attach an RQ queue to the app when Redis is configured."""
    app.extensions["rq_queue"] = None
    url = app.config.get("REDIS_URL")
    if url:
        from redis import Redis
        from rq import Queue

        # Short socket timeouts: a page that queues a job must not hang on a Redis outage (the row stays
        # queued with a note; jobs/reconcile.py queues it later).
        timeout = float(app.config.get("REDIS_SOCKET_TIMEOUT", 2.0))
        app.extensions["rq_queue"] = Queue(
            app.config.get("RQ_QUEUE", "cbccvc"),
            connection=Redis.from_url(url, **redis_options(timeout)),
        )


def enqueue(func: Callable[..., Any] | str, *args: Any, **kwargs: Any):
    """Queue ``func(*args, **kwargs)`` on RQ, or run it now when no Redis is configured. ``func`` may be the
    dotted path of the job function (how services name jobs without importing the job modules)."""
    queue = current_app.extensions.get("rq_queue")
    if queue is None:
        if isinstance(func, str):
            module, _sep, name = func.rpartition(".")
            func = getattr(importlib.import_module(module), name)
        return InlineJob(func(*args, **kwargs))
    return queue.enqueue(func, *args, **kwargs)
