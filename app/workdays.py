"""Vietnamese working days (ngày làm việc): the ``holidays`` package, known notices and admin overrides.

A day's status comes from four layers, a later one winning for its day:

1. **weekly rest**: Monday–Friday work, Saturday and Sunday are off;
2. **the ``holidays`` package** (``holidays.VN``, Bộ luật Lao động 2019 Điều 112): Tết Dương lịch 1/1; Tết Âm
   lịch (five days, placed by the package's rule: from 2014 a day that falls on a Saturday moves to the
   working day before, a Sunday to the working day after); Giỗ Tổ Hùng Vương 10/3 âm lịch; 30/4; 1/5;
   Quốc khánh 2/9 plus one adjacent day; Ngày Văn hóa Việt Nam 24/11 from 2026; a compensatory day off
   (nghỉ bù) when one of these falls on a weekend; and the government's swaps it knows (a weekday off paid
   back by a make-up Saturday, ``weekend_workdays``; its table ends with 2026: 31/8/2026 off ⇄ Saturday
   22/8/2026 worked);
3. :data:`BUILTIN_OVERRIDES`: notices the package lacks (the Tết Dương lịch 2026 swap);
4. the ``workday_override`` table, kept by Sở Nội vụ administrators for notices that arrive late.

Counting (regulations.md "WD"; HCM-7.1 "trong thời hạn 05 ngày làm việc, kể từ ngày có quyết định …";
Bộ luật Dân sự 2015 Điều 147: a period counted in days starts the day *after* the event): the day of the
event never counts, and day 1 is the first working day after it. So :func:`add_workdays` ``(start, n)`` is
the n-th working day after ``start``; the result is always a working day, so the rule "a deadline falling on
a day off moves to the next working day" (Điều 148) never has to be applied on top. :func:`count_workdays`
``(a, b)`` counts the working days ``d`` with ``a < d <= b``, so ``count_workdays(a, add_workdays(a, n)) == n``.

Caching: the package's days are computed once per year and process (pure). The overrides are read for a
span of years in one query per app context (request, job or CLI command) and kept on ``flask.g``; any
insert, update or delete of an override drops that cache. Loops are bounded: at most
:data:`MAX_WORKDAYS` working days in one step, years :data:`MIN_YEAR`–:data:`MAX_YEAR`.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any, NamedTuple

import holidays
from flask import g, has_app_context
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select

from app.extensions import db
from app.services.errors import Errors, ForbiddenError, NotFoundError, use_case
from models.workdays import OVERRIDE_KINDS, OVERRIDE_OFF, OVERRIDE_WORK, WEEKDAY_NAMES, WorkdayOverride

__all__ = [
    "BUILTIN_OVERRIDES",
    "DayInfo",
    "KnownOverride",
    "MAX_WORKDAYS",
    "MAX_YEAR",
    "MIN_YEAR",
    "SOURCE_LABELS",
    "WorkCalendar",
    "add_override",
    "add_workdays",
    "calendar",
    "check_override",
    "clear_cache",
    "count_workdays",
    "day_info",
    "format_day",
    "is_workday",
    "last_workdays_of_month",
    "next_workday",
    "remove_override",
    "roll_forward",
    "update_override",
    "weekday_name",
    "workdays_between",
    "year_days",
]

#: Largest number of working days one call may add (about 19 months).
MAX_WORKDAYS = 400
#: Years the calendar answers for.
MIN_YEAR = 1990
MAX_YEAR = 2099
#: Longest range :func:`workdays_between` lists, in days.
MAX_LIST_DAYS = 3700

#: Where a day's status comes from.
SOURCE_LABELS = {
    "weekly": _l("Nghỉ hằng tuần"),
    "package": _l("Bộ luật Lao động (gói holidays)"),
    "builtin": _l("Thông báo đã biết (có sẵn)"),
    "override": _l("Điều chỉnh của Sở Nội vụ"),
}


@dataclass(frozen=True)
class KnownOverride:
    """A notice the ``holidays`` package does not know: one day made ``off`` or ``work``, and its source."""

    day: date
    kind: str
    reason: str
    source: str


#: Notices missing from ``holidays`` 0.109, applied over the package (an admin override still wins).
BUILTIN_OVERRIDES: tuple[KnownOverride, ...] = (
    KnownOverride(date(2026, 1, 2), OVERRIDE_OFF, "Nghỉ Tết Dương lịch 2026 (hoán đổi với thứ Bảy 10/01/2026)",
                  "Công văn 12729/VPCP-KGVX ngày 25/12/2025"),
    KnownOverride(date(2026, 1, 10), OVERRIDE_WORK, "Làm bù cho thứ Sáu 02/01/2026 (Tết Dương lịch 2026)",
                  "Công văn 12729/VPCP-KGVX ngày 25/12/2025"),
)


@dataclass(frozen=True)
class DayInfo:
    """A day's status: working or not, why (a holiday's name, an override's reason) and from which layer."""

    day: date
    working: bool
    name: Any = ""  # str, or a lazy translation
    source: str = ""

    @property
    def weekday(self) -> str:
        """The day of the week in Vietnamese."""
        return weekday_name(self.day)

    @property
    def source_label(self) -> str:
        """The layer in Vietnamese ("" for an ordinary weekday)."""
        return str(SOURCE_LABELS.get(self.source, self.source))


class _Entry(NamedTuple):
    kind: str
    reason: str


def _t(message: str, **values: Any) -> str:
    """Translate when an app is around (CLI, requests, jobs); plain formatting otherwise."""
    if has_app_context():
        return gettext(message, **values)
    return message % values if values else message


def weekday_name(day: date) -> str:
    """The day of the week in Vietnamese: "Thứ Hai" … "Chủ nhật"."""
    return str(WEEKDAY_NAMES[day.weekday()])


def format_day(day: date) -> str:
    """dd/mm/yyyy, as Vietnamese documents write dates."""
    return day.strftime("%d/%m/%Y")


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(_t("Năm %(year)s nằm ngoài phạm vi lịch ngày làm việc (%(first)s–%(last)s).",
                            year=year, first=MIN_YEAR, last=MAX_YEAR))


def _check_n(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(_t("Số ngày làm việc phải là số nguyên."))
    if abs(n) > MAX_WORKDAYS:
        raise ValueError(_t("Số ngày làm việc tối đa là %(max)s (đã nhập %(n)s).", max=MAX_WORKDAYS, n=n))


# --------------------------------------------------------------------------- the package's days


@lru_cache(maxsize=64)
def _package_instance(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year, language="vi")


@lru_cache(maxsize=256)
def _package_days(year: int) -> Mapping[date, DayInfo]:
    """The package's days of ``year`` that differ from the weekly rule's, or are holidays on a weekend.

    Swaps may cross a year end (2018: 31/12 off ⇄ Saturday 05/01/2019 worked), so the instances of the
    years around are read too and only this year's days kept.
    """
    offs: dict[date, str] = {}
    works: set[date] = set()
    for y in (year - 1, year, year + 1):
        inst = _package_instance(y)
        for day, name in inst.items():
            offs.setdefault(day, name)
        works.update(d for d in inst.weekend_workdays)
    result = {d: DayInfo(d, False, name, "package") for d, name in offs.items() if d.year == year}
    for day in works:
        if day.year != year:
            continue
        paid_back = [d for d, name in offs.items() if format_day(day) in name]
        name = (_l("Làm bù cho ngày nghỉ %(day)s", day=format_day(min(paid_back))) if paid_back
                else _l("Ngày làm bù"))
        result[day] = DayInfo(day, True, name, "package")
    return MappingProxyType(result)


def _builtin_entries() -> dict[date, tuple[_Entry, str]]:
    return {o.day: (_Entry(o.kind, f"{o.reason} — {o.source}"), "builtin") for o in BUILTIN_OVERRIDES}


# --------------------------------------------------------------------------- the calendar object

#: Reads the override rows with ``first <= day <= last``: (day, kind, reason) tuples.
OverrideLoader = Callable[[date, date], Iterable[tuple[date, str, str]]]


class WorkCalendar:
    """Working days of Vietnam's public sector, with overrides; every answer is cached per year.

    ``overrides`` (day -> ``"off"``/``"work"`` or (kind, reason)) are fixed overrides; ``loader`` reads
    overrides from storage for a span of days, called once per not-yet-read span of years.
    ``builtin=False`` leaves :data:`BUILTIN_OVERRIDES` out (the base against which an override is judged
    redundant still includes them: see :func:`check_override`).
    """

    def __init__(self, overrides: Mapping[date, Any] | None = None, *, loader: OverrideLoader | None = None,
                 builtin: bool = True) -> None:
        self._loader = loader
        self._builtin = builtin
        self._overrides: dict[date, _Entry] = {}
        for day, value in (overrides or {}).items():
            kind, reason = (value, "") if isinstance(value, str) else value
            self._overrides[day] = _Entry(kind, reason)
        self._loaded: set[int] = set()
        self._years: dict[int, dict[date, DayInfo]] = {}

    # -- loading

    def prepare(self, first: date, last: date) -> None:
        """Read the stored overrides of every year from ``first`` to ``last`` not read yet, in one query."""
        lo, hi = sorted((first.year, last.year))
        lo, hi = max(lo, MIN_YEAR), min(hi, MAX_YEAR)
        missing = [y for y in range(lo, hi + 1) if y not in self._loaded]
        if not missing or self._loader is None:
            self._loaded.update(missing)
            return
        for day, kind, reason in self._loader(date(missing[0], 1, 1), date(missing[-1], 12, 31)):
            self._overrides[day] = _Entry(kind, reason or "")
        for y in range(missing[0], missing[-1] + 1):
            self._loaded.add(y)
            self._years.pop(y, None)

    def _year(self, year: int) -> dict[date, DayInfo]:
        table = self._years.get(year)
        if table is None:
            _check_year(year)
            self.prepare(date(year, 1, 1), date(year, 12, 31))
            table = dict(_package_days(year))
            layers = [_builtin_entries().items()] if self._builtin else []
            layers.append(((d, (e, "override")) for d, e in self._overrides.items()))
            for layer in layers:
                for day, (entry, source) in layer:
                    if day.year == year:
                        table[day] = DayInfo(day, entry.kind == OVERRIDE_WORK, entry.reason, source)
            self._years[year] = table
        return table

    # -- single days

    def day_info(self, day: date) -> DayInfo:
        """The status of ``day`` and its reason."""
        info = self._year(day.year).get(day)
        if info is not None:
            return info
        if day.weekday() >= 5:
            return DayInfo(day, False, str(SOURCE_LABELS["weekly"]), "weekly")
        return DayInfo(day, True)

    def is_workday(self, day: date) -> bool:
        """True when ``day`` is a working day."""
        info = self._year(day.year).get(day)
        return info.working if info is not None else day.weekday() < 5

    def year_days(self, year: int) -> list[DayInfo]:
        """The days of ``year`` that are not ordinary (holidays, days off, make-up days), in date order."""
        return [self._year(year)[d] for d in sorted(self._year(year))]

    # -- counting

    def add_workdays(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (``start`` never counts); n < 0 goes back; n = 0 is ``start``."""
        _check_n(n)
        _check_year(start.year)
        if n == 0:
            return start
        step = timedelta(days=1 if n > 0 else -1)
        reach = abs(n) * 2 + 40
        self.prepare(start, start + step * reach)
        day, left, guard = start, abs(n), abs(n) * 3 + 400
        while left:
            day += step
            guard -= 1
            if guard < 0:
                raise ValueError(_t("Không tìm được đủ %(n)s ngày làm việc kể từ ngày %(day)s.",
                                    n=n, day=format_day(start)))
            if self.is_workday(day):
                left -= 1
        return day

    def count_workdays(self, a: date, b: date) -> int:
        """Working days ``d`` with ``a < d <= b`` (negative, ``-#{b <= d < a}``, when ``b < a``).

        ``count_workdays(a, add_workdays(a, n)) == n`` for every n. Computed from the weekday count and the
        year tables, so a long range costs no more than its number of years.
        """
        _check_year(a.year)
        _check_year(b.year)
        if b < a:
            return -self.count_workdays(b - timedelta(days=1), a - timedelta(days=1))
        if a == b:
            return 0
        self.prepare(a, b)
        total = _weekdays_upto(b) - _weekdays_upto(a)
        for year in range(a.year, b.year + 1):
            for day, info in self._year(year).items():
                if a < day <= b:
                    normal = day.weekday() < 5
                    if info.working != normal:
                        total += 1 if info.working else -1
        return total

    def workdays_between(self, first: date, last: date) -> list[date]:
        """The working days from ``first`` to ``last``, both included (at most :data:`MAX_LIST_DAYS` days)."""
        _check_year(first.year)
        _check_year(last.year)
        if last < first:
            return []
        span = (last - first).days + 1
        if span > MAX_LIST_DAYS:
            raise ValueError(_t("Khoảng thời gian quá dài (tối đa %(max)s ngày).", max=MAX_LIST_DAYS))
        self.prepare(first, last)
        return [d for d in (first + timedelta(days=i) for i in range(span)) if self.is_workday(d)]

    def next_workday(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        return self.add_workdays(day, 1)

    def roll_forward(self, day: date) -> date:
        """``day`` when it is a working day, else the next one (BLDS 2015 Điều 148 for calendar-day periods)."""
        return day if self.is_workday(day) else self.next_workday(day)

    def last_workdays_of_month(self, year: int, month: int, n: int = 5) -> list[date]:
        """The last ``n`` working days of a month, in date order (all of them if the month has fewer).

        HN-7 / HN-14.1 say "Trong vòng 05 ngày cuối mỗi tháng" — "ngày", not "ngày làm việc": the city
        profile decides whether its window is these working days or the last five calendar days.
        """
        _check_n(n)
        last_day = date(year, month, _calendar.monthrange(year, month)[1])
        days = self.workdays_between(date(year, month, 1), last_day)
        return days[-n:] if n > 0 else []


def _weekdays_upto(day: date) -> int:
    """Mondays–Fridays from 01/01/0001 (a Monday) to ``day`` included."""
    ordinal = day.toordinal()
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


# --------------------------------------------------------------------------- the app's calendar


def _load_overrides(first: date, last: date) -> list[tuple[date, str, str]]:
    stmt = (select(WorkdayOverride.day, WorkdayOverride.kind, WorkdayOverride.reason)
            .where(WorkdayOverride.day >= first, WorkdayOverride.day <= last))
    with db.session.no_autoflush:
        return [tuple(row) for row in db.session.execute(stmt)]


_BASE = WorkCalendar()


def calendar() -> WorkCalendar:
    """The calendar of this app context (package + known notices + stored overrides), made once per context.

    Without an app context: the package and the known notices only.
    """
    if not has_app_context():
        return _BASE
    cal = g.get("_workday_calendar")
    if cal is None:
        cal = g._workday_calendar = WorkCalendar(loader=_load_overrides)
    return cal


def clear_cache() -> None:
    """Forget this context's stored overrides (called on every change of an override)."""
    if has_app_context():
        g.pop("_workday_calendar", None)


@event.listens_for(WorkdayOverride, "after_insert")
@event.listens_for(WorkdayOverride, "after_update")
@event.listens_for(WorkdayOverride, "after_delete")
def _override_changed(_mapper, _connection, _target) -> None:
    clear_cache()


def is_workday(day: date) -> bool:
    """True when ``day`` is a working day (see the module's layers)."""
    return calendar().is_workday(day)


def day_info(day: date) -> DayInfo:
    """The status of ``day`` and why."""
    return calendar().day_info(day)


def year_days(year: int) -> list[DayInfo]:
    """Holidays, days off and make-up working days of ``year`` with their names and sources."""
    return calendar().year_days(year)


def add_workdays(start: date, n: int) -> date:
    """The deadline "trong thời hạn n ngày làm việc kể từ ngày ``start``": the n-th working day after it."""
    return calendar().add_workdays(start, n)


def count_workdays(a: date, b: date) -> int:
    """Working days after ``a`` up to ``b`` included (``count_workdays(a, add_workdays(a, n)) == n``)."""
    return calendar().count_workdays(a, b)


def workdays_between(first: date, last: date) -> list[date]:
    """The working days from ``first`` to ``last``, both included."""
    return calendar().workdays_between(first, last)


def next_workday(day: date) -> date:
    """The first working day after ``day``."""
    return calendar().next_workday(day)


def roll_forward(day: date) -> date:
    """``day`` if it is a working day, else the next working day."""
    return calendar().roll_forward(day)


def last_workdays_of_month(year: int, month: int, n: int = 5) -> list[date]:
    """The last ``n`` working days of the month (the HN monthly window, HN-7 / HN-14.1)."""
    return calendar().last_workdays_of_month(year, month, n)


# --------------------------------------------------------------------------- overrides: use cases


def _may_write(actor) -> bool:
    """CLI and jobs (no actor) are trusted operators; a user needs write on the calendar (Sở Nội vụ admins)."""
    if actor is None:
        return True
    from app.security import scope
    from app.security.permissions import ACTION_WRITE, RESOURCE_WORKDAYS

    return scope.has_permission(actor, ACTION_WRITE, RESOURCE_WORKDAYS)


def check_override(day: date | None, kind: str | None, reason: str | None,
                   exclude_id: int | None = None) -> dict[str, list[str]]:
    """Field errors of an override (empty when valid); reads one row at most, never writes.

    An override must change something: "work" on a day that is already a working day, or "off" on a day
    already off (a Sunday, a holiday), is refused — judged against the package and the known notices.
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if day is None:
        add("day", _t("Hãy nhập ngày (định dạng YYYY-MM-DD)."))
    elif not MIN_YEAR <= day.year <= MAX_YEAR:
        add("day", _t("Năm %(year)s nằm ngoài phạm vi lịch ngày làm việc (%(first)s–%(last)s).",
                             year=day.year, first=MIN_YEAR, last=MAX_YEAR))
    if kind not in OVERRIDE_KINDS:
        add("kind", _t("Loại điều chỉnh phải là “off” (ngày nghỉ) hoặc “work” (ngày làm việc)."))
    if not (reason or "").strip():
        add("reason", _t("Hãy nhập lý do và văn bản thông báo (số, ngày văn bản)."))
    elif len(reason) > 1000:
        add("reason", _t("Lý do dài tối đa %(max)s ký tự.", max=1000))
    if errors or day is None:
        return errors
    base = _BASE.day_info(day)
    names = {"day": format_day(day), "weekday": weekday_name(day)}
    if kind == OVERRIDE_WORK and base.working:
        add("kind", _t("Ngày %(day)s (%(weekday)s) đã là ngày làm việc; không cần điều chỉnh "
                              "thành ngày làm việc.", **names))
    elif kind == OVERRIDE_OFF and not base.working:
        add("kind", _t("Ngày %(day)s (%(weekday)s) đã là ngày nghỉ (%(why)s); không cần điều chỉnh "
                              "thành ngày nghỉ.", why=str(base.name), **names))
    stmt = select(WorkdayOverride.id).where(WorkdayOverride.day == day)
    if exclude_id is not None:
        stmt = stmt.where(WorkdayOverride.id != int(exclude_id))
    with db.session.no_autoflush:
        taken = db.session.scalar(stmt.limit(1))
    if taken is not None:
        add("day", _t("Ngày %(day)s đã có điều chỉnh; hãy sửa điều chỉnh đó.", day=format_day(day)))
    return errors


def _validate(day, kind, reason, exclude_id=None) -> None:
    errors = Errors()
    for field, messages in check_override(day, kind, reason, exclude_id).items():
        for message in messages:
            errors.add(field, message)
    errors.raise_if_any()


def _forbid_unless_allowed(actor) -> None:
    if not _may_write(actor):
        raise ForbiddenError(_t("Chỉ quản trị Sở Nội vụ được điều chỉnh lịch ngày làm việc."))


@contextmanager
def _audited(actor, reason: str | None):
    """Attribute the change log rows to ``actor`` (also outside a request) with the notice as their reason."""
    from app import audit

    with ExitStack() as stack:
        if actor is not None:
            stack.enter_context(audit.acting_as(actor, request_id=audit.current_request_id()))
        stack.enter_context(audit.reason(reason))
        yield


@use_case
def add_override(actor, day: date, kind: str, reason: str) -> WorkdayOverride:
    """Make ``day`` a day off (``off``) or a working day (``work``) because of a notice."""
    _forbid_unless_allowed(actor)
    _validate(day, kind, reason)
    with _audited(actor, reason):
        row = WorkdayOverride(day=day, kind=kind, reason=reason.strip(), created_by_id=getattr(actor, "id", None))
        db.session.add(row)
        db.session.flush()
    return row


@use_case
def update_override(actor, override_id: int, day: date, kind: str, reason: str) -> WorkdayOverride:
    """Change an override's day, kind or reason."""
    _forbid_unless_allowed(actor)
    row = db.session.get(WorkdayOverride, int(override_id))
    if row is None:
        raise NotFoundError(_t("Không tìm thấy điều chỉnh số %(id)s.", id=override_id))
    _validate(day, kind, reason, exclude_id=row.id)
    with _audited(actor, reason):
        row.day, row.kind, row.reason = day, kind, reason.strip()
        db.session.flush()
    return row


@use_case
def remove_override(actor, day_or_id: date | int) -> WorkdayOverride:
    """Delete the override of a day (or with an id); the day falls back to the package's status."""
    _forbid_unless_allowed(actor)
    if isinstance(day_or_id, date):
        row = db.session.scalar(select(WorkdayOverride).where(WorkdayOverride.day == day_or_id))
        what = format_day(day_or_id)
    else:
        row = db.session.get(WorkdayOverride, int(day_or_id))
        what = str(day_or_id)
    if row is None:
        raise NotFoundError(_t("Không có điều chỉnh nào cho %(what)s.", what=what))
    with _audited(actor, None):
        db.session.delete(row)
        db.session.flush()
    return row
