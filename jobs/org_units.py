"""Org tree maintenance jobs."""

from jobs.base import job_context

__all__ = ["rebuild_paths"]


def rebuild_paths() -> int:
    """Recompute materialised paths and levels of the whole tree; returns how many rows changed."""
    with job_context():
        from app.services import org_units

        return org_units.rebuild_paths()
