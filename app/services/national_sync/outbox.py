"""The outbox of the national sync (issue 18): every approved file version is queued in the transaction that
writes it (``app.services.personnel.files.write_version``: an approval — one by one or in bulk —, a move's new
version, a new file, an imported hand-over package).

The sync's rules come from the city profile (``CityProfile.national_sync``, ``app/profiles``):

- **who sends** (HN-15): the file's unit when it has an agency account (``Account.kind == "agency"``, active),
  else its nearest superior that has one (``superior_sends``); a file with no such unit above it is sent by its
  level-2 agency (the "cơ quan quản lý" of the SYLL header), which then needs an account to submit its month;
- **by when** (ND27-SYNC): ``event_deadline_days`` calendar days after the approval (working days if the profile
  says so); without the per-event mode, the end of the month's window (HN-14.1);
- a newer version **supersedes** the person's versions not delivered yet (queued, or rejected and not fixed):
  only the newest is sent.

The sync's clock is :func:`now` (tests move it).
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, literal, select, update

from app import workdays
from app.extensions import db
from app.profiles import NationalSync, active_profile
from models.accounts import Account
from models.national_sync import SyncItem
from models.org_units import OrgUnit

__all__ = ["TZ", "due_at", "local_day", "now", "queue_first_versions", "queue_version", "sending_agency_id",
           "window_of"]

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _now() -> datetime:
    return datetime.now(UTC)


def now() -> datetime:
    """The sync's clock (aware, UTC)."""
    return _now()


def local_day(moment: datetime | None = None) -> date:
    """The Việt Nam calendar day of ``moment`` (now by default)."""
    return (moment or now()).astimezone(TZ).date()


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), TZ).astimezone(UTC)


def window_of(year: int, month: int, sync: NationalSync) -> tuple[date, date, date]:
    """(first day, last day, deadline) of a month's window (HN-14.1, HCM-7.3): its last ``window_last_days``
    calendar days; Sở Nội vụ's approval may follow until the last day, moved to the next working day when that is a
    day off (Bộ luật Dân sự 2015, Điều 148 — as the approval window of HN-7, ``app.workflow``)."""
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=sync.window_last_days - 1), last, workdays.roll_forward(last)


def due_at(moment: datetime, sync: NationalSync) -> datetime:
    """When an item queued at ``moment`` must be delivered: ND27-SYNC's deadline in the per-event mode, else the
    end of the month's window."""
    if sync.per_event:
        if sync.event_deadline_working:
            return _end_of(workdays.add_workdays(local_day(moment), sync.event_deadline_days))
        return moment + timedelta(days=sync.event_deadline_days)
    day = local_day(moment)
    return _end_of(window_of(day.year, day.month, sync)[2])


def _agency_account():
    """SQL: ``OrgUnit`` has an active agency account (HN-3.6, HN-15)."""
    return exists(select(literal(1)).where(Account.org_unit_id == OrgUnit.id, Account.kind == "agency",
                                           Account.active.is_(True)))


def sending_agency_id(unit: OrgUnit, sync: NationalSync | None = None) -> int:
    """The unit whose agency sends the files of ``unit`` (HN-15; one indexed query)."""
    sync = sync or active_profile().national_sync
    ids = [int(x) for x in unit.path.strip("/").split("/") if x] or [unit.id]
    if sync is None or sync.superior_sends:
        found = db.session.scalar(select(OrgUnit.id).where(OrgUnit.id.in_(ids), _agency_account())
                                  .order_by(OrgUnit.level.desc()).limit(1))
        if found is not None:
            return found
    return ids[1] if len(ids) > 1 else ids[0]


def queue_version(person, version) -> SyncItem | None:
    """Queue ``version`` of ``person``'s file for the national database (caller's transaction); the person's older
    versions not delivered yet are superseded. None when the profile has no national sync."""
    sync = active_profile().national_sync
    if sync is None:
        return None
    moment = now()
    unit = person.org_unit if person.org_unit is not None else db.session.get(OrgUnit, person.org_unit_id)
    db.session.execute(update(SyncItem).where(
        SyncItem.person_id == person.id, SyncItem.status.in_(("queued", "rejected")),
        SyncItem.version_no < version.version_no).values(status="superseded").execution_options(
        synchronize_session=False))
    item = SyncItem(person_id=person.id, file_version_id=version.id, version_no=version.version_no,
                    agency_unit_id=sending_agency_id(unit, sync), queued_at=moment, due_at=due_at(moment, sync),
                    status="queued", attempts=0)
    db.session.add(item)
    db.session.flush()
    return item


def queue_first_versions(pairs: list) -> list[SyncItem]:
    """Queue version 1 of files created in the caller's transaction, [(person, version)] (nothing to supersede;
    the sending agency looked up once per unit); nothing when the profile has no national sync."""
    sync = active_profile().national_sync
    if sync is None or not pairs:
        return []
    moment = now()
    due = due_at(moment, sync)
    agencies: dict[int, int] = {}
    items = []
    for person, version in pairs:
        if person.org_unit_id not in agencies:
            unit = person.org_unit if person.org_unit is not None else db.session.get(OrgUnit, person.org_unit_id)
            agencies[person.org_unit_id] = sending_agency_id(unit, sync)
        items.append(SyncItem(person_id=person.id, file_version_id=version.id, version_no=version.version_no,
                              agency_unit_id=agencies[person.org_unit_id], queued_at=moment, due_at=due,
                              status="queued", attempts=0))
    db.session.add_all(items)
    db.session.flush()
    return items
