"""The retention rule of the backups, as a pure function (HN-11.1, HCM-10.1).

- HN-11.1: backed up monthly, each kept **at least three months**;
- HCM-10.1: each kept at least three months **once a newer backup exists** — so a backup may go only when the next
  newer one has itself been there for three months (the newest is never deleted: nothing is newer);
- and never the newest *verified* backup (the last one known to restore), whatever its age.

HCM-10.1 implies HN-11.1 (the next newer backup is younger than the one it replaces), so one rule serves both cities.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from app.services.transfers.retirement import add_months

__all__ = ["Kept", "prune_plan"]


@dataclass(frozen=True)
class Kept:
    """What the rule needs of an archive still on its storage."""

    id: int
    created: date
    verified_ok: bool | None = None


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def prune_plan(archives: Iterable[Kept], today: date, months: int = 3) -> list[int]:
    """The ids of the archives the rule lets go on ``today``: those whose next newer archive was made ``months``
    months ago or earlier, except the newest verified one. ``archives``: the ones still stored (any order)."""
    ordered = sorted(archives, key=lambda a: (_day(a.created), a.id))
    verified = [a for a in ordered if a.verified_ok]
    keep_always = verified[-1].id if verified else None
    limit = add_months(today, -months)
    return [a.id for a, newer in zip(ordered, ordered[1:], strict=False)
            if a.id != keep_always and _day(newer.created) <= limit]
