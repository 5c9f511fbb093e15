"""The report figures kept warm (issue 20, the month-end peak): a periodic job of ``jobs/schedule.py``.

The data-quality figures read in the last ``QUALITY_KEEP_WARM_HOURS`` are worked out again before what is kept of
them expires (``app.services.reports.kept_figures``), so that a report viewer finds them ready. Safe to run twice:
a second run only works them out once more.
"""

from __future__ import annotations

import logging

from app.services.reports.quality import refresh_kept
from jobs.base import job_context

__all__ = ["refresh_kept_figures"]

log = logging.getLogger(__name__)


def refresh_kept_figures() -> dict[str, int]:
    """Refresh the kept data-quality figures; returns ``{"refreshed", "fresh", "forgotten", "left"}``."""
    with job_context():
        counts = refresh_kept()
        if counts["refreshed"] or counts["forgotten"] or counts["left"]:
            log.info("kept figures: %s", counts)
        return counts
