"""Configuration module of RQ's cron scheduler: ``rq cron --url $REDIS_URL jobs.rq_cron`` (``make worker``).

RQ imports it and reads the jobs registered at import time; the table itself is ``jobs/schedule.py``.
"""

import os

from jobs.schedule import register_rq_cron

__all__ = ["REGISTERED"]

#: How many periodic jobs were registered (on the queue named by ``RQ_QUEUE``, default ``cbccvc``).
REGISTERED = register_rq_cron(os.environ.get("RQ_QUEUE", "cbccvc"))
