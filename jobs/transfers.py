"""Moves that take effect (issue 16; HN-12.2.1, HN-12.3, HCM-8.3, HCM-8.4): a periodic job of ``jobs/schedule.py``.

Every recorded exit (out of the city, leaving the service) whose effective date has come is carried out: the file
goes to the archive, the personal account is locked and its roles and sessions end — on that date, not when
someone remembers. Each move is its own transaction; running twice does the work once
(``app.services.transfers.use_cases.apply_effective``). Also ``flask transfers apply-effective``.
"""

from __future__ import annotations

import logging
from datetime import date

from jobs.base import job_context

__all__ = ["apply_effective_moves"]

log = logging.getLogger(__name__)


def apply_effective_moves(day: date | None = None) -> dict[str, int]:
    """Carry out the exits effective on or before ``day`` (today); returns ``{"completed", "failed"}``."""
    from app.services.transfers import apply_effective

    with job_context():
        counts = apply_effective(day)
        if counts["completed"] or counts["failed"]:
            log.info("transfers taking effect: %s", counts)
        return counts
