"""Org tree maintenance jobs (queued by ``app.services.org_units.request_rebuild_paths``)."""

from app.services import org_units
from jobs.base import job_context

__all__ = ["rebuild_paths"]


def rebuild_paths() -> int:
    """Recompute materialised paths and levels of the whole tree; returns how many rows changed."""
    with job_context():
        return org_units.rebuild_paths()
