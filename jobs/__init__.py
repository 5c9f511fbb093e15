"""Background jobs: RQ on Redis when ``REDIS_URL`` is set, run in-process otherwise (embedded default).

Jobs take ids, open their own app context, and are safe to run twice. ``enqueue`` must be called after
the database commit that created what the job reads.
"""

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

__all__ = ["enqueue", "init_queue", "InlineJob"]


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
            connection=Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout),
        )


def enqueue(func: Callable[..., Any], *args: Any, **kwargs: Any):
    """Queue ``func(*args, **kwargs)`` on RQ, or run it now when no Redis is configured."""
    queue = current_app.extensions.get("rq_queue")
    if queue is None:
        return InlineJob(func(*args, **kwargs))
    return queue.enqueue(func, *args, **kwargs)
