"""E-mail digest of the event notices (issue 15, item 1): a periodic job of ``jobs/schedule.py``.

The notices themselves are written by the use cases of their events, in the bell at once
(``app.services.notifications``); this job e-mails each user one digest of the notices not e-mailed yet
(``send_digests(notices=True)``: claimed in one statement, so two runs at the same time never send a notice twice;
a failed message is given back for the next run). Without ``MAIL_SERVER`` it sends nothing. The daily reminders
send their own digest (``jobs/reminders.py``).
"""

from __future__ import annotations

import logging

from app.services.notifications import send_digests
from jobs.base import job_context

__all__ = ["send_notices"]

log = logging.getLogger(__name__)


def send_notices() -> dict[str, int]:
    """E-mail the digests of the event notices not e-mailed yet; returns ``{"sent", "failed", "skipped"}``."""
    with job_context():
        counts = send_digests(notices=True)
        if counts["sent"] or counts["failed"]:
            log.info("notices: %s", counts)
        return counts
