"""National code lists: load the seed data (idempotent upsert) and look codes up (domain.md §2).

Lookups read one kind at a time, once per app context (``flask.g``), into plain tuples, so a form or a
report that labels a thousand codes makes one query per list. Dates: an entry is valid on ``on`` when
``valid_from <= on <= valid_to``, a missing bound being open; ``on=None`` means today.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import Session

from app.extensions import db
from app.services.errors import use_case
from app.text import clean, search_key
from models.codes import CodeAlias, CodeItem, SalaryStep

__all__ = [
    "KIND_LABELS",
    "LoadReport",
    "choices",
    "clear_cache",
    "coefficient",
    "entries",
    "is_valid",
    "label",
    "labels",
    "load_code_lists",
    "lookup_key",
    "pay_group",
    "resolve",
    "search",
    "step_rule",
    "steps",
    "suggest",
    "valid_on_sql",
]

#: Vietnamese names of the lists, by kind.
KIND_LABELS: dict[str, Any] = {
    "gender": _l("Giới tính"),
    "province": _l("Tỉnh, thành phố"),
    "ethnicity": _l("Dân tộc"),
    "religion": _l("Tôn giáo"),
    "nationality": _l("Quốc tịch"),
    "rank": _l("Ngạch, chức danh nghề nghiệp"),
    "qualification": _l("Trình độ chuyên môn"),
    "general_education": _l("Trình độ giáo dục phổ thông"),
    "academic_title": _l("Học hàm"),
    "political_level": _l("Lý luận chính trị"),
    "management_level": _l("Quản lý nhà nước"),
    "training_mode": _l("Hình thức đào tạo"),
    "rating": _l("Xếp loại chất lượng"),
    "emulation": _l("Danh hiệu thi đua"),
    "discipline_form": _l("Hình thức kỷ luật"),
    "relation": _l("Quan hệ gia đình"),
    "allowance_type": _l("Loại phụ cấp"),
    "blood_group": _l("Nhóm máu"),
    "policy": _l("Đối tượng chính sách"),
    "attachment_kind": _l("Loại tài liệu đính kèm"),
    "salary": _l("Hệ số lương"),
}

_FOLD = str.maketrans("", "", "-'\u2019\u2018 ")


def lookup_key(text: str | None) -> str:
    """The key names and aliases are matched on: ``search_key`` without - ' ’ and spaces ("H'Mông" -> "hmong")."""
    return search_key(text).translate(_FOLD)


def _code_fold(text: str | None) -> str:
    """Case-folded code, Đ read as D, other accents kept ("ĐH" -> "dh"; "Áo" stays apart from "AO")."""
    return clean(text).casefold().replace("đ", "d")


def _today(on: date | None) -> date:
    return on or date.today()


def _valid_on(valid_from: date | None, valid_to: date | None, on: date) -> bool:
    return (valid_from is None or valid_from <= on) and (valid_to is None or on <= valid_to)


def valid_on_sql(model, on: date):
    """SQL form of an entry's validity on ``on`` (a code-list row or a salary step: ``model`` or an alias of it,
    with ``valid_from``/``valid_to``; open ends), for checks made in SQL (data quality, issue 17)."""
    return and_(or_(model.valid_from.is_(None), model.valid_from <= on),
                or_(model.valid_to.is_(None), model.valid_to >= on))


def _newest_first(valid_from: date | None) -> tuple[int, int]:
    """Sort key putting the latest ``valid_from`` first (an open start is the oldest)."""
    return (0, -valid_from.toordinal()) if valid_from else (1, 0)


# --------------------------------------------------------------------------- loading


class LoadReport(dict):
    """Rows per kind in the seed data (plus ``alias`` and ``salary_step``), and what the load did.

    It is a ``dict[str, int]`` of those counts; ``created``/``updated`` count the rows written, ``stale``
    lists (kind, code, valid_from) of database rows of the loaded lists that the data no longer has,
    left in place because history may use them.
    """

    def __init__(self) -> None:
        super().__init__()
        self.created = 0
        self.updated = 0
        self.stale: list[tuple[str, str, date | None]] = []


def _set_changed(row: Any, values: dict[str, Any]) -> bool:
    """Assign the values that differ; True when anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


@use_case
def load_code_lists(session: Session | None = None) -> LoadReport:
    """Upsert every code list, alias and salary step from ``app/seeds/code_lists.py``; one transaction.

    Rows match on their unique keys (kind + code + valid_from; kind + alias key; pay group + bậc +
    valid_from) and get the data's name, extra, dates and source. Rows no longer in the data are never
    deleted (history may reference them): they are reported in ``stale``. Running it twice changes nothing.
    """
    from app.seeds.code_lists import SALARY_STEPS, code_lists

    s = session or db.session
    lists = code_lists()
    kinds = [cl.kind for cl in lists]
    report = LoadReport()

    existing = {(r.kind, r.code, r.valid_from): r
                for r in s.scalars(select(CodeItem).where(CodeItem.kind.in_(kinds)))}
    seen: set[tuple[str, str, date | None]] = set()
    for cl in lists:
        for position, entry in enumerate(cl.entries, start=1):
            valid_from = entry.valid_from or cl.valid_from
            key = (cl.kind, entry.code, valid_from)
            if key in seen:
                raise ValueError(f"duplicate code-list entry {key}")
            seen.add(key)
            values = {
                "scheme": cl.scheme,
                "name": entry.name,
                "parent_code": entry.parent_code,
                "extra": dict(entry.extra) if entry.extra is not None else None,
                "valid_to": entry.valid_to or cl.valid_to,
                "source": entry.source or cl.source,
                "sort_order": entry.sort_order if entry.sort_order is not None else position,
            }
            row = existing.get(key)
            if row is None:
                s.add(CodeItem(kind=cl.kind, code=entry.code, valid_from=valid_from, **values))
                report.created += 1
            elif _set_changed(row, values):
                report.updated += 1
        report[cl.kind] = len(cl.entries)
    report.stale.extend(sorted((k for k in existing if k not in seen), key=lambda k: (k[0], k[1], str(k[2]))))

    aliases = {(a.kind, a.alias_key): a for a in s.scalars(select(CodeAlias).where(CodeAlias.kind.in_(kinds)))}
    alias_seen: set[tuple[str, str]] = set()
    for cl in lists:
        for alias, code in cl.aliases:
            key = (cl.kind, lookup_key(alias))
            if key in alias_seen:
                continue  # two spellings with one key ("H'Mông", "H’Mông"): the first is kept
            alias_seen.add(key)
            row = aliases.get(key)
            if row is None:
                s.add(CodeAlias(kind=cl.kind, alias=clean(alias), alias_key=key[1], code=code))
                report.created += 1
            elif _set_changed(row, {"alias": clean(alias), "code": code}):
                report.updated += 1
    report["alias"] = len(alias_seen)
    report.stale.extend(("alias", k[0], None) for k in sorted(aliases) if k not in alias_seen)

    salary = {(r.pay_group, r.step, r.valid_from): r for r in s.scalars(select(SalaryStep))}
    for step in SALARY_STEPS:
        key = (step.pay_group, step.step, step.valid_from)
        values = {"coefficient": step.coefficient, "interval_months": step.interval_months,
                  "valid_to": step.valid_to, "source": step.source}
        row = salary.get(key)
        if row is None:
            s.add(SalaryStep(pay_group=step.pay_group, step=step.step, valid_from=step.valid_from, **values))
            report.created += 1
        elif _set_changed(row, values):
            report.updated += 1
    report["salary_step"] = len(SALARY_STEPS)
    wanted = {(r.pay_group, r.step, r.valid_from) for r in SALARY_STEPS}
    report.stale.extend(("salary_step", f"{k[0]}/{k[1]}", k[2]) for k in salary if k not in wanted)

    s.flush()
    if session is not None and session is not db.session:
        session.commit()
    clear_cache()
    return report


# --------------------------------------------------------------------------- cached lookups


class _Item(NamedTuple):
    code: str
    name: str
    extra: dict | None
    valid_from: date | None
    valid_to: date | None
    sort_order: int

    def valid_on(self, on: date) -> bool:
        return _valid_on(self.valid_from, self.valid_to, on)


class _Kind:
    """One list in memory: its rows, and the indexes resolve() and label() use."""

    def __init__(self, items: list[_Item], aliases: Iterable[tuple[str, str]]):
        self.items = items
        self.by_code: dict[str, list[_Item]] = {}
        self.by_key: dict[str, list[_Item]] = {}
        self.code_by_fold: dict[str, str] = {}
        for item in sorted(items, key=lambda i: _newest_first(i.valid_from)):
            self.by_code.setdefault(item.code, []).append(item)
            self.code_by_fold.setdefault(_code_fold(item.code), item.code)
            names = {item.name, (item.extra or {}).get("short_name") or item.name}
            for name in names:
                self.by_key.setdefault(lookup_key(name), []).append(item)
        self.aliases = dict(aliases)  # alias key -> code
        self.labels = {code: rows[0].name for code, rows in self.by_code.items()}


_CACHE_ATTR = "_code_lists_cache"
_FINGERPRINT = "__fingerprint__"
#: Lists read by this process: kind -> (fingerprint of the tables when read, the list). A file page shows
#: ~20 lists; reading them per request cost ~40 statements and ~20 ms (``make bench``, issue 6).
_PROCESS_CACHE: dict[str, tuple[tuple, _Kind]] = {}


def _cache() -> dict[str, Any]:
    if not has_app_context():
        return {}
    cache = getattr(g, _CACHE_ATTR, None)
    if cache is None:
        cache = {}
        setattr(g, _CACHE_ATTR, cache)
    return cache


def clear_cache() -> None:
    """Forget the lists read in this app context and this process (after a load or an edit of the lists)."""
    _PROCESS_CACHE.clear()
    if has_app_context() and hasattr(g, _CACHE_ATTR):
        delattr(g, _CACHE_ATTR)


def _fingerprint(cache: dict[str, Any]) -> tuple:
    """A cheap digest of both tables, read once per request: any load, edit or delete changes it."""
    if _FINGERPRINT not in cache:
        items = select(func.count(CodeItem.id), func.coalesce(func.max(CodeItem.id), 0),
                       func.coalesce(func.sum(func.length(CodeItem.name) * (CodeItem.id % 97 + 1)), 0),
                       func.coalesce(func.sum(func.length(CodeItem.code) + CodeItem.sort_order), 0)).subquery()
        aliases = select(func.count(CodeAlias.id), func.coalesce(func.max(CodeAlias.id), 0),
                         func.coalesce(func.sum(func.length(CodeAlias.code) * (CodeAlias.id % 89 + 1)), 0)).subquery()
        row = db.session.execute(select(items, aliases).select_from(items.join(aliases, true()))).one()
        cache[_FINGERPRINT] = tuple(int(v or 0) for v in row)
    return cache[_FINGERPRINT]


def _kind(kind: str) -> _Kind:
    """One list, from this request's cache, else this process's (when the tables have not changed), else
    the database."""
    cache = _cache()
    if kind not in cache:
        fingerprint = _fingerprint(cache) if cache is not None and has_app_context() else None
        hit = _PROCESS_CACHE.get(kind)
        if fingerprint is not None and hit is not None and hit[0] == fingerprint:
            cache[kind] = hit[1]
        else:
            rows = db.session.execute(
                select(CodeItem.code, CodeItem.name, CodeItem.extra, CodeItem.valid_from, CodeItem.valid_to,
                       CodeItem.sort_order).where(CodeItem.kind == kind)
            ).all()
            aliases = db.session.execute(
                select(CodeAlias.alias_key, CodeAlias.code).where(CodeAlias.kind == kind)).all()
            cache[kind] = _Kind([_Item(*r) for r in rows], [tuple(a) for a in aliases])
            if fingerprint is not None:
                _PROCESS_CACHE[kind] = (fingerprint, cache[kind])
    return cache[kind]


def entries(kind: str, on: date | None = None) -> list[CodeItem]:
    """The entries of ``kind`` valid on ``on`` (today by default), by sort order then name."""
    day = _today(on)
    stmt = (
        select(CodeItem)
        .where(CodeItem.kind == kind,
               or_(CodeItem.valid_from.is_(None), CodeItem.valid_from <= day),
               or_(CodeItem.valid_to.is_(None), CodeItem.valid_to >= day))
        .order_by(CodeItem.sort_order, CodeItem.name, CodeItem.code)
    )
    return list(db.session.scalars(stmt))


def choices(kind: str, on: date | None = None) -> list[tuple[str, str]]:
    """(code, name) of the entries of ``kind`` valid on ``on`` in :func:`entries`' order, from the cached list
    (a form's dropdown costs no statement once the list is read)."""
    day = _today(on)
    items = sorted((i for i in _kind(kind).items if i.valid_on(day)), key=lambda i: (i.sort_order, i.name, i.code))
    return [(i.code, i.name) for i in items]


def is_valid(kind: str, code: str | None, on: date | None = None) -> bool:
    """True when ``code`` is an entry of ``kind`` valid on ``on`` (today by default)."""
    if not code:
        return False
    day = _today(on)
    return any(item.valid_on(day) for item in _kind(kind).by_code.get(code, ()))


def labels(kind: str) -> dict[str, str]:
    """Code -> name for every code of ``kind`` (the newest row's name); cached for the request."""
    return _kind(kind).labels


def label(kind: str, code: str | None) -> str:
    """The name of ``code`` (its newest row), the code itself when unknown, ``""`` for no code."""
    if not code:
        return ""
    return labels(kind).get(code, code)


def resolve(kind: str, text: str | None, on: date | None = None) -> str | None:
    """The code ``text`` stands for: a code, or a name / legacy spelling, accent- and punctuation-blind.

    Order: the exact code; the code in another case or with Đ ("ĐH" -> "DH"); a name of an entry valid
    on ``on`` (today by default: "Tỉnh Quảng Trị" is 45 in 2024 and 44 after 01/07/2025); an alias
    ("H'Mông" -> "08"); a name of an entry of another time. None when nothing matches.
    """
    value = clean(text)
    if not value:
        return None
    data = _kind(kind)
    if value in data.by_code:
        return value
    if _code_fold(value) in data.code_by_fold:
        return data.code_by_fold[_code_fold(value)]
    key = lookup_key(value)
    rows = data.by_key.get(key, [])
    day = _today(on)
    for item in rows:
        if item.valid_on(day):
            return item.code
    if key in data.aliases:
        return data.aliases[key]
    return rows[0].code if rows else None


def suggest(kind: str, text: str | None, limit: int = 3) -> list[str]:
    """The names of ``kind`` closest to ``text`` (an unmatched value: "Kinhh" -> ["Kinh"]), accent- and
    punctuation-blind (``difflib`` on the lookup keys of the names and aliases), best first."""
    import difflib

    key = lookup_key(text)
    if not key:
        return []
    data = _kind(kind)
    names: dict[str, str] = {}
    for item in data.items:
        names.setdefault(lookup_key(item.name), item.name)
        names.setdefault(lookup_key(item.code), item.name)
    for alias_key, code in data.aliases.items():
        names.setdefault(alias_key, data.labels.get(code, code))
    found = difflib.get_close_matches(key, list(names), n=limit * 3, cutoff=0.6)
    return list(dict.fromkeys(names[k] for k in found))[:limit]


def search(kind: str, q: str | None, limit: int = 20, on: date | None = None) -> list[tuple[str, str]]:
    """(code, name) of the entries valid on ``on`` whose name, code or alias contains ``q``, for pickers.

    Accent-, case- and punctuation-insensitive ("ho chi minh" finds "Thành phố Hồ Chí Minh"); names
    starting with the query come first, then the list order.
    """
    data = _kind(kind)
    day = _today(on)
    valid = [i for i in data.items if i.valid_on(day)]
    spaced, folded = search_key(q), lookup_key(q)
    if not folded:
        hits = valid
    else:
        alias_codes = {code for key, code in data.aliases.items() if folded in key}
        hits = []
        for item in valid:
            name = search_key(item.name)
            if (spaced in name or folded in lookup_key(item.name) or folded in lookup_key(item.code)
                    or item.code in alias_codes):
                hits.append(item)

    def rank(item: _Item) -> tuple:
        starts = lookup_key(item.name).startswith(folded) or lookup_key(item.code).startswith(folded)
        return (not starts, item.sort_order, search_key(item.name))

    hits.sort(key=rank)
    return [(i.code, i.name) for i in hits[:limit]]


# --------------------------------------------------------------------------- ranks and salary


def pay_group(rank_code: str | None, on: date | None = None) -> str | None:
    """The pay group (A1, A0, B …) of a ngạch/CDNN on ``on`` (today by default); None if unknown then."""
    if not rank_code:
        return None
    day = _today(on)
    for item in _kind("rank").by_code.get(rank_code, ()):
        if item.valid_on(day):
            return (item.extra or {}).get("pay_group")
    return None


class _Step(NamedTuple):
    pay_group: str
    step: int
    coefficient: Decimal
    valid_from: date | None
    valid_to: date | None
    interval_months: int | None = None


def _salary() -> dict[str, list[_Step]]:
    cache = _cache()
    if "__salary__" not in cache:
        table: dict[str, list[_Step]] = {}
        rows = db.session.execute(
            select(SalaryStep.pay_group, SalaryStep.step, SalaryStep.coefficient, SalaryStep.valid_from,
                   SalaryStep.valid_to, SalaryStep.interval_months)
        ).all()
        for r in rows:
            table.setdefault(r[0], []).append(_Step(*r))
        cache["__salary__"] = table
    return cache["__salary__"]


def coefficient(group: str | None, step: int | None, on: date | None = None) -> Decimal | None:
    """The hệ số of bậc ``step`` of ``group`` on ``on`` (today by default); None when there is none."""
    if not group or not step:
        return None
    day = _today(on)
    for row in _salary().get(group, ()):
        if row.step == step and _valid_on(row.valid_from, row.valid_to, day):
            return Decimal(row.coefficient)
    return None


def step_rule(group: str | None, on: date | None = None) -> tuple[int, int] | None:
    """(months between bậc, last bậc) of a pay group's salary table on ``on`` (cached); None when it has none."""
    if not group:
        return None
    day = _today(on)
    rows = [r for r in _salary().get(group, ()) if _valid_on(r.valid_from, r.valid_to, day)]
    if not rows or not rows[0].interval_months:
        return None
    return int(rows[0].interval_months), max(r.step for r in rows)


def steps(group: str, on: date | None = None) -> list[SalaryStep]:
    """The bậc of ``group`` valid on ``on`` (today by default), bậc 1 first."""
    day = _today(on)
    stmt = (
        select(SalaryStep)
        .where(SalaryStep.pay_group == group,
               and_(or_(SalaryStep.valid_from.is_(None), SalaryStep.valid_from <= day),
                    or_(SalaryStep.valid_to.is_(None), SalaryStep.valid_to >= day)))
        .order_by(SalaryStep.step)
    )
    return list(db.session.scalars(stmt))
