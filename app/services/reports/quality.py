"""Data quality "Đúng – Đủ – Sạch – Sống" (domain.md §8; HN-21.3, HN-21.6, HN-17.5) per person and per unit.

Every file in force (``active`` / ``suspended``) is checked against the rules of :data:`RULES`, each a SQL condition
on ``person`` (correlated sub-selects where it needs another table) — never by loading people into Python:

- **Đủ** (complete): the required items filled (``person.completeness``, kept by ``files.completeness``), and each
  required table of the form (training, career, family, salary history) has a row;
- **Đúng** (accurate): the CCCD's century/sex digit and year digits agree with the sex and birth date (the SQL
  form of ``checks.check_cccd``, :func:`checks.cccd_mismatch_sql`), dates in order (as the edit form checks them),
  the salary coefficient is the one of the ngạch's pay group and bậc (``salary_step``), every approved change
  carries its proof, and no reported data issue is still open (HN-17.4);
- **Sạch** (clean): codes are entries of their national list (in force today, or of any period where the form
  accepts one), no other file in force has the same CCCD (its blind index), none has the same name, birth date
  and home province (a probable duplicate);
- **Sống** (alive): changes of the last 12 months were submitted by their update deadline
  (``change_set.update_due``) and no deadline has passed without a submission; the oldest change waiting for
  approval is shown per unit.

A unit's figures are one grouped statement: the per-person flags, rolled up to the row units (the children of a
unit, or the top of the user's scope; on PostgreSQL by the row's id read from each unit's path), with the share
of files that pass every rule (the score) and a rank by score among the rows — the city ranking of HN-21.3 at the
top level. Everything is scoped to the units whose files the user may read (``app/security/scope.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, and_, case, cast, exists, false, func, literal, or_, select, text
from sqlalchemy.orm import aliased

from app.extensions import db
from app.security import scope
from app.security.permissions import ACTION_READ, RESOURCE_PERSONNEL
from app.services import code_lists
from app.services.compliance import local_date
from app.services.errors import NotFoundError
from app.services.personnel import syll
from app.services.personnel.checks import cccd_mismatch_sql
from app.services.personnel.people import ACTIVE_STATUSES
from models.data_quality import DataIssue
from models.org_units import STATUS_ACTIVE, OrgUnit, Subtree
from models.personnel import SECTION_MODELS, Attachment, ChangeSet, Person

__all__ = [
    "CRITERIA",
    "RULES",
    "QualityRow",
    "readable_unit",
    "QualityTable",
    "Rule",
    "UnitPage",
    "failing_people",
    "person_flags",
    "quality_table",
    "rule",
    "unit_page",
    "unit_summary",
]

#: The four criteria, in the order of the slogan.
CRITERIA = {"dung": _l("Đúng"), "du": _l("Đủ"), "sach": _l("Sạch"), "song": _l("Sống")}


@dataclass(frozen=True)
class Rule:
    """One check of a file: its key, its criterion, what a failing file shows, and the section that fixes it
    (an edit form of the file; None: the file page)."""

    key: str
    criterion: str
    template: object
    section: str | None = None

    @property
    def label(self) -> str:
        """What a failing file shows (the section's name put in)."""
        text = str(self.template)
        return text % {"section": syll.section(self.section).label} if "%(section)s" in text else text


def _required_tables() -> list[syll.Section]:
    return [s for s in syll.SECTIONS if s.repeating and s.required]


def _coded_sections() -> list[syll.Section]:
    return [s for s in syll.SECTIONS if not s.repeating and any(f.type == "code" for f in s.fields)]


RULES: tuple[Rule, ...] = (
    Rule("incomplete", "du", _l("Chưa khai đủ các mục bắt buộc")),
    *(Rule(f"missing_{s.key}", "du", _l("Chưa khai mục “%(section)s”"), s.key) for s in _required_tables()),
    Rule("cccd_mismatch", "dung", _l("Số CCCD không khớp với giới tính, năm sinh"), "documents"),
    Rule("dates_documents", "dung", _l("Ngày cấp CCCD không sau ngày sinh"), "documents"),
    Rule("dates_background", "dung", _l("Ngày sinh, ngày tuyển dụng, ngày vào cơ quan không theo thứ tự"),
         "background"),
    Rule("dates_political", "dung", _l("Ngày vào Đảng, nhập ngũ, xuất ngũ không theo thứ tự"), "political"),
    Rule("salary_mismatch", "dung", _l("Hệ số lương không khớp với ngạch và bậc"), "salary"),
    Rule("missing_proof", "dung", _l("Thay đổi đã duyệt không có tài liệu chứng minh")),
    Rule("open_issue", "dung", _l("Có phản ánh dữ liệu chưa đúng đang chờ xử lý")),
    *(Rule(f"codes_{s.key}", "sach", _l("Mã danh mục không hợp lệ ở mục “%(section)s”"), s.key)
      for s in _coded_sections()),
    Rule("duplicate_cccd", "sach", _l("Trùng số CCCD với hồ sơ khác")),
    Rule("probable_duplicate", "sach", _l("Có thể trùng hồ sơ khác (cùng họ tên, ngày sinh, quê quán)")),
    Rule("late_update", "song", _l("Cập nhật thay đổi trễ hạn")),
)
_BY_KEY = {r.key: r for r in RULES}
#: Months a late update counts against a file.
LATE_MONTHS = 12


def rule(key: str) -> Rule:
    """The rule called ``key`` (KeyError for an unknown key)."""
    return _BY_KEY[key]


def _threshold() -> int:
    return int(current_app.config.get("COMPLETENESS_THRESHOLD", 100))


def _code_invalid(f: syll.Field, day: date):
    """SQL: the file's code for ``f`` is not an entry of its list (valid on ``day`` unless any period is accepted).
    The valid codes come from the cached code lists as a constant list — a list has at most a few hundred entries —
    so the check costs no query per file (it was a correlated subquery per coded item and file)."""
    column = getattr(Person, f.name)
    codes = sorted(code_lists.labels(f.code_list)) if f.any_period else sorted(
        code for code, _label in code_lists.choices(f.code_list, day))
    return and_(column.is_not(None), column != "", column.not_in(codes))


def _after(a, b):
    """Both dates given and ``a`` after ``b`` (``checks.check_dates_in_order`` on full dates)."""
    return and_(a.is_not(None), b.is_not(None), a > b)


def conditions(day: date, threshold: int) -> dict[str, object]:
    """Rule key -> SQL condition on ``Person`` (true: the file fails the rule) on ``day``."""
    out: dict[str, object] = {"incomplete": Person.completeness < threshold}
    for sec in _required_tables():
        model = SECTION_MODELS[sec.table]
        out[f"missing_{sec.key}"] = ~exists(select(literal(1)).where(
            model.person_id == Person.id, *[getattr(model, k) == v for k, v in sec.fixed.items()]))
    out["cccd_mismatch"] = cccd_mismatch_sql(Person.cccd_birth_digits, Person.birth_date, Person.gender)
    out["dates_documents"] = and_(Person.cccd_issued_on.is_not(None), Person.birth_date.is_not(None),
                                  Person.cccd_issued_on <= Person.birth_date)
    out["dates_background"] = or_(_after(Person.birth_date, Person.recruited_on),
                                  _after(Person.recruited_on, Person.joined_agency_on))
    out["dates_political"] = or_(_after(Person.party_joined_on, Person.party_official_on),
                                 _after(Person.enlisted_on, Person.discharged_on))
    # The ngạch's pay group and the table's coefficient, from the cached code lists and salary table as CASE
    # expressions (a few dozen ngạch and bậc): no query per file (two correlated subqueries were a third of the
    # page's time on a big unit).
    groups = {code: code_lists.pay_group(code, day) for code in code_lists.labels("rank")}
    groups = {code: g for code, g in groups.items() if g}
    group = case(groups, value=Person.rank_code) if groups else literal(None)
    table = {(g, step): code_lists.coefficient(g, step, day) for g in set(groups.values())
             for step in range(1, 21)}
    table = {key: value for key, value in table.items() if value is not None}
    expected = case(*[(and_(Person.rank_code.in_([c for c, g in groups.items() if g == grp]),
                            Person.salary_step == step), literal(value))
                      for (grp, step), value in sorted(table.items())]) if table else literal(None)
    out["salary_mismatch"] = and_(Person.rank_code.is_not(None), Person.rank_code != "",
                                  Person.salary_step.is_not(None), group.is_not(None),
                                  or_(expected.is_(None), and_(Person.salary_coefficient.is_not(None),
                                                               expected != Person.salary_coefficient)))
    out["missing_proof"] = exists(select(literal(1)).select_from(ChangeSet).where(
        ChangeSet.person_id == Person.id, ChangeSet.status == "approved",
        ~exists(select(literal(1)).where(Attachment.change_set_id == ChangeSet.id))))
    out["open_issue"] = exists(select(literal(1)).where(DataIssue.person_id == Person.id, DataIssue.status == "open"))
    for sec in _coded_sections():
        out[f"codes_{sec.key}"] = or_(*[_code_invalid(f, day) for f in sec.fields if f.type == "code"])
    other = aliased(Person, name="other")
    out["duplicate_cccd"] = and_(Person.cccd_index.is_not(None), exists(select(literal(1)).where(
        other.cccd_index == Person.cccd_index, other.id != Person.id, other.status.in_(ACTIVE_STATUSES))))
    twin = aliased(Person, name="twin")
    out["probable_duplicate"] = and_(Person.birth_date.is_not(None), exists(select(literal(1)).where(
        twin.sort_key == Person.sort_key, twin.birth_date == Person.birth_date,
        twin.hometown_province.is_not_distinct_from(Person.hometown_province), twin.id != Person.id,
        twin.status.in_(ACTIVE_STATUSES),
        or_(twin.cccd_index.is_(None), Person.cccd_index.is_(None), twin.cccd_index != Person.cccd_index))))
    since = day - timedelta(days=365 * LATE_MONTHS // 12)
    out["late_update"] = exists(select(literal(1)).select_from(ChangeSet).where(
        ChangeSet.person_id == Person.id, ChangeSet.update_due.is_not(None), ChangeSet.update_due >= since,
        or_(local_date(ChangeSet.submitted_at) > ChangeSet.update_due,
            and_(ChangeSet.submitted_at.is_(None), ChangeSet.update_due < day))))
    assert list(out) == [r.key for r in RULES], "every rule has its condition, in order"
    return out


def person_flags(readable, day: date, threshold: int | None = None):
    """SELECT (person_id, unit_id, <rule key>… 0/1, oldest_pending, open_issues) of the files in force of the units
    ``readable`` (a SELECT of unit ids; None: every unit)."""
    threshold = _threshold() if threshold is None else threshold
    conds = conditions(day, threshold)
    pending = (select(func.min(ChangeSet.submitted_at))
               .where(ChangeSet.person_id == Person.id, ChangeSet.status == "submitted").scalar_subquery())
    issues = (select(func.count()).select_from(DataIssue)
              .where(DataIssue.person_id == Person.id, DataIssue.status == "open").scalar_subquery())
    stmt = select(Person.id.label("person_id"), Person.org_unit_id.label("unit_id"),
                  *[case((c, 1), else_=0).label(k) for k, c in conds.items()],
                  pending.label("oldest_pending"), issues.label("open_issues")
                  ).where(Person.status.in_(ACTIVE_STATUSES))
    if readable is not None:
        stmt = stmt.where(Person.org_unit_id.in_(readable))
    return stmt


# --------------------------------------------------------------------------- the table of units


@dataclass(frozen=True)
class QualityRow:
    """A unit's subtree (or, ``direct``, the people attached to the unit itself): counts per rule and criterion."""

    unit_id: int
    name: str
    direct: bool
    has_children: bool
    people: int
    clean: int
    counts: dict
    criteria: dict
    open_issues: int
    oldest_pending: datetime | None
    rank: int | None = None

    @property
    def score(self) -> float | None:
        """Share of files passing every rule, in percent (None without people)."""
        return round(100 * self.clean / self.people, 1) if self.people else None

    def criterion_pct(self, key: str) -> float | None:
        """Share of files passing every rule of criterion ``key``, in percent."""
        return round(100 * (self.people - self.criteria[key]) / self.people, 1) if self.people else None

    @property
    def drillable(self) -> bool:
        return self.has_children and not self.direct


@dataclass
class QualityTable:
    parent: OrgUnit | None
    rows: list[QualityRow]
    total: QualityRow | None
    day: date
    threshold: int
    trail: list[tuple[int, str, bool]] = field(default_factory=list)
    #: When the figures were worked out: a moment ago when they come from the short cache (:func:`_cached_table`).
    computed_at: datetime | None = None
    #: The key the figures are kept under (``kept_figures``), None when not kept.
    kept_as: str | None = None


def _any(flags, keys):
    return case((or_(*[flags.c[k] == 1 for k in keys]), 1), else_=0)


def _measures(flags):
    """(label, aggregate) of the measures of a group of files."""
    out = [("people", func.count()), ("clean", func.sum(1 - _any(flags, [r.key for r in RULES])))]
    out += [(r.key, func.sum(flags.c[r.key])) for r in RULES]
    out += [(f"c_{c}", func.sum(_any(flags, [r.key for r in RULES if r.criterion == c]))) for c in CRITERIA]
    out += [("open_issues", func.sum(flags.c.open_issues)), ("oldest_pending", func.min(flags.c.oldest_pending))]
    return out


def _tops(user) -> tuple[list[int], list[int]]:
    """(subtree unit ids, single unit ids): the user's readable grants not inside another one."""
    grants = scope.grants_for(user, ACTION_READ, RESOURCE_PERSONNEL)
    subtree = [g for g in grants if g.include_descendants]
    tops = {g.unit_id for g in subtree
            if not any(o.unit_id != g.unit_id and Subtree(o.unit_path).covers(g.unit_path) for o in subtree)}
    singles = {g.unit_id for g in grants if not g.include_descendants
               and not any(Subtree(o.unit_path).covers(g.unit_path) for o in subtree)}
    return sorted(tops), sorted(singles - tops)


def readable_unit(user, unit_id) -> OrgUnit:
    """The unit ``unit_id`` if ``user`` reads its files; NotFoundError (no existence leak) otherwise."""
    unit = db.session.get(OrgUnit, unit_id) if isinstance(unit_id, int) else None
    if unit is None or not scope.allows(user, ACTION_READ, RESOURCE_PERSONNEL, unit):
        raise NotFoundError(_("Không tìm thấy đơn vị trong phạm vi của bạn."))
    return unit


def _whole_subtree(user, unit: OrgUnit) -> bool:
    return any(g.include_descendants and Subtree(g.unit_path).covers(unit)
               for g in scope.grants_for(user, ACTION_READ, RESOURCE_PERSONNEL))


def quality_table(user, unit_id: int | None = None, *, day: date | None = None,
                  read_at: float | None = None) -> QualityTable:
    """The quality figures ``user`` may read: the children of ``unit_id`` (plus its own people), or the top level
    of the user's scope (the level-2 units for a city-wide role: the city ranking), ranked by score.
    NotFoundError for a unit outside the user's scope. ``read_at``: the periodic refresh of figures read then
    (:func:`refresh_kept`)."""
    from app.workflow import local_today

    day = day or local_today()
    threshold = _threshold()
    readable = scope.unit_ids(user, ACTION_READ, RESOURCE_PERSONNEL)
    parent = None
    if unit_id is not None:
        parent = readable_unit(user, unit_id)
    else:
        subtree, singles = _tops(user)
        if len(subtree) == 1 and not singles:
            top = db.session.get(OrgUnit, subtree[0])
            if top is not None and top.parent_id is None:
                parent = top
        if parent is None:
            rows, total, at, key = _cached_table(user, unit_id, None, subtree, singles, readable, day, threshold,
                                                 read_at)
            return QualityTable(None, rows, total, day, threshold, computed_at=at, kept_as=key)
    children = select(OrgUnit.id).where(OrgUnit.parent_id == parent.id, OrgUnit.status == STATUS_ACTIVE)
    if _whole_subtree(user, parent):
        readable = None if parent.parent_id is None else select(OrgUnit.id).where(Subtree.of(parent).condition())
    else:
        children = children.where(OrgUnit.id.in_(readable))
    rows, total, at, key = _cached_table(user, unit_id, parent, children, [parent.id], readable, day, threshold,
                                         read_at)
    table = QualityTable(parent, rows, total, day, threshold, computed_at=at, kept_as=key)
    table.trail = _trail(user, parent) if unit_id is not None else []
    return table


def unit_summary(user, unit_id, *, day: date | None = None) -> tuple[OrgUnit, QualityRow]:
    """The figures of one unit's whole subtree (its files the user may read). NotFoundError outside the scope."""
    from app.workflow import local_today

    day = day or local_today()
    unit = readable_unit(user, unit_id)
    readable = (select(OrgUnit.id).where(Subtree.of(unit).condition()) if _whole_subtree(user, unit)
                else scope.unit_ids(user, ACTION_READ, RESOURCE_PERSONNEL))
    rows, _total = _table(None, [unit.id], [], readable, day, _threshold())
    return unit, rows[0]


def _trail(user, unit: OrgUnit) -> list[tuple[int, str, bool]]:
    ids = [int(x) for x in unit.path.strip("/").split("/") if x]
    names = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids))).all())
    return [(i, names.get(i, str(i)), scope.allows(user, ACTION_READ, RESOURCE_PERSONNEL, i)) for i in ids]


def _flags_cte(readable, day: date, threshold: int | None = None):
    """The files' flags as a CTE computed once (each flag is read several times by the aggregates: an inlined
    subquery would run every correlated check again per reference); on PostgreSQL ``MATERIALIZED`` says so, JIT
    is switched off for the statement (compiling its ~40 expressions cost seconds, running them a fraction), and
    random reads are priced as on the SSDs the product runs on (``random_page_cost`` 1.1 instead of the default 4,
    which assumes spinning disks and made the planner read all 250,000 files to find one agency's 8,000: 566 ms
    instead of 253 ms on the bench city; ``docs/operations.md`` recommends the same server-wide)."""
    cte = person_flags(readable, day, threshold).cte("flags")
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))
        db.session.execute(text("SET LOCAL random_page_cost = 1.1"))
        cte = cte.prefix_with("MATERIALIZED")
    return cte


def _cached_table(user, request_unit, parent, subtree_ids, direct_ids: list[int], readable, day: date,
                  threshold: int, read_at: float | None = None):
    """:func:`_table` through the kept figures (``kept_figures``; ``QUALITY_CACHE_SECONDS``, 0 = none): one
    aggregate over every file of the scope, read by every report viewer of it, moving slowly — worked out once
    per period and refreshed ahead by a periodic job. The key is what decides the figures: the user's read grants
    (two users with the same grants share them), the row units, the day, the threshold and the language.
    ``read_at``: a refresh by the job (worked out again unless fresh; the last read stays the reader's). Returns
    (rows, total, computed at, key)."""
    import hashlib
    import json
    import time

    from flask_babel import get_locale

    from app.services.reports import kept_figures

    if kept_figures.seconds() <= 0:
        return (*_table(parent, subtree_ids, direct_ids, readable, day, threshold), None, None)
    locale = str(get_locale() or "")
    grants = sorted({(g.unit_id, bool(g.include_descendants))
                     for g in scope.grants_for(user, ACTION_READ, RESOURCE_PERSONNEL)})
    what = [grants, parent.id if parent is not None else None, subtree_ids if isinstance(subtree_ids, list) else None,
            list(direct_ids), day.isoformat(), threshold, locale]
    key = kept_figures.PREFIX + hashlib.sha256(json.dumps(what).encode()).hexdigest()

    def compute() -> str:
        rows, total = _table(parent, subtree_ids, direct_ids, readable, day, threshold)
        return json.dumps({"rows": [_to_json(r) for r in rows], "total": _to_json(total) if total else None,
                           "at": datetime.now().astimezone().isoformat()})

    reader = {"user": user.id, "unit": request_unit, "locale": locale,
              "read": read_at if read_at is not None else time.time()}
    data = json.loads(kept_figures.kept(key, compute, reader, refresh=read_at is not None))
    return ([_from_json(r) for r in data["rows"]], _from_json(data["total"]) if data["total"] else None,
            datetime.fromisoformat(data["at"]), key)


def refresh_kept(*, keep_hours: float | None = None, budget_seconds: float | None = None) -> dict[str, int]:
    """Work out again the figures read in the last ``keep_hours`` (``QUALITY_KEEP_WARM_HOURS``), as their last
    reader sees them today, the most recently read first, for at most ``budget_seconds``
    (``QUALITY_REFRESH_BUDGET_SECONDS``: a run never runs into the next one; what is left is worked out by its
    next reader); forget the others, and those whose reader or unit is gone (the periodic job
    ``jobs.reports.refresh_kept_figures``). Figures worked out in the last minute are left as they are. Returns
    ``{"refreshed", "fresh", "forgotten", "left"}``."""
    import time

    from flask_babel import force_locale

    from app.services.reports import kept_figures
    from models.accounts import Account

    counts = {"refreshed": 0, "fresh": 0, "forgotten": 0, "left": 0}
    if kept_figures.seconds() <= 0:
        return counts
    config = current_app.config
    hours = keep_hours if keep_hours is not None else float(config.get("QUALITY_KEEP_WARM_HOURS", 24))
    budget = budget_seconds if budget_seconds is not None else float(config.get("QUALITY_REFRESH_BUDGET_SECONDS", 120))
    oldest, stop = time.time() - hours * 3600, time.monotonic() + budget
    for key, reader in sorted(kept_figures.readers(), key=lambda kr: -kr[1].get("read", 0)):
        user = db.session.get(Account, reader.get("user")) if reader.get("read", 0) >= oldest else None
        if user is None or not user.active:
            kept_figures.forget(key)
            counts["forgotten"] += 1
            continue
        if time.monotonic() > stop:
            counts["left"] += 1
            continue
        started = datetime.now().astimezone()
        try:
            with force_locale(reader.get("locale") or config.get("BABEL_DEFAULT_LOCALE") or "vi"):
                table = quality_table(user, reader.get("unit"), read_at=reader["read"])
            counts["refreshed" if table.computed_at >= started else "fresh"] += 1
        except NotFoundError:
            kept_figures.forget(key)
            counts["forgotten"] += 1
            continue
        finally:
            db.session.rollback()  # the read's transaction (SET LOCAL) ends here
        if table.kept_as != key:  # a new day, other grants: the reader now reads the new key
            kept_figures.forget(key)
    return counts


def _to_json(row: QualityRow) -> dict:
    data = {k: getattr(row, k) for k in ("unit_id", "name", "direct", "has_children", "people", "clean", "counts",
                                         "criteria", "open_issues", "rank")}
    data["oldest_pending"] = row.oldest_pending.isoformat() if row.oldest_pending else None
    return data


def _from_json(data: dict) -> QualityRow:
    pending = datetime.fromisoformat(data["oldest_pending"]) if data["oldest_pending"] else None
    return QualityRow(data["unit_id"], data["name"], data["direct"], data["has_children"], data["people"],
                      data["clean"], data["counts"], data["criteria"], data["open_issues"], pending, data["rank"])


def _table(parent, subtree_ids, direct_ids: list[int], readable, day: date, threshold: int):
    """The one grouped statement for the row units: (rows ranked by score, total)."""
    flags = _flags_cte(readable, day, threshold)
    su = aliased(OrgUnit, name="su")
    measures = _measures(flags)
    aggs = [m.label(name) for name, m in measures]
    if parent is not None and db.session.get_bind().dialect.name == "postgresql":
        depth = parent.path.count("/") + 1
        row_key = case((su.id == parent.id, parent.id),
                       else_=cast(func.nullif(func.split_part(su.path, "/", depth), ""), Integer))
        agg = (select(row_key.label("row_id"), *aggs).select_from(flags).join(su, su.id == flags.c.unit_id)
               .where(Subtree.of(parent).condition(su.path)).group_by(row_key).subquery("agg"))
    else:
        ru = aliased(OrgUnit, name="ru")
        in_subtree = ru.id.in_(subtree_ids) if not isinstance(subtree_ids, list) or subtree_ids else false()
        covers = or_(and_(in_subtree, Subtree(ru.path).condition(su.path)),
                     and_(ru.id.in_(direct_ids or [-1]), su.id == ru.id))
        agg = (select(ru.id.label("row_id"), *aggs).select_from(flags).join(su, su.id == flags.c.unit_id)
               .join(ru, covers).group_by(ru.id).subquery("agg"))
    unit, child = aliased(OrgUnit, name="unit"), aliased(OrgUnit, name="child")
    is_direct = unit.id.in_(direct_ids or [-1])
    in_rows = or_(unit.id.in_(subtree_ids) if not isinstance(subtree_ids, list) or subtree_ids else false(),
                  is_direct)
    people = func.coalesce(agg.c.people, 0)
    score = func.coalesce(agg.c.clean, 0) * 1.0 / func.nullif(people, 0)
    stmt = (select(unit.id.label("unit_id"), unit.name.label("name"), is_direct.label("direct"),
                   exists(select(literal(1)).where(child.parent_id == unit.id)).label("has_children"),
                   *[(agg.c[name] if name == "oldest_pending" else func.coalesce(agg.c[name], 0)).label(name)
                     for name, _m in measures],
                   case((people > 0, func.rank().over(order_by=score.desc().nulls_last())), else_=None).label("rank"))
            .select_from(unit).outerjoin(agg, agg.c.row_id == unit.id).where(in_rows)
            .order_by(score.desc().nulls_last(), unit.name, unit.id))
    rows = []
    for r in db.session.execute(stmt).all():
        row = _row(r)
        if row.direct and parent is not None and not row.people:
            continue  # nobody attached to the parent itself
        rows.append(row)
    total = None
    if rows:
        pend = [r.oldest_pending for r in rows if r.oldest_pending is not None]
        total = QualityRow(parent.id if parent else 0, _("Tổng cộng"), False, False,
                           sum(r.people for r in rows), sum(r.clean for r in rows),
                           {k.key: sum(r.counts[k.key] for r in rows) for k in RULES},
                           {c: sum(r.criteria[c] for r in rows) for c in CRITERIA},
                           sum(r.open_issues for r in rows), min(pend) if pend else None)
    return rows, total


def _row(r) -> QualityRow:
    people = int(r.people or 0)
    return QualityRow(r.unit_id, r.name, bool(r.direct), bool(r.has_children), people, int(r.clean or 0),
                      {k.key: int(getattr(r, k.key) or 0) for k in RULES},
                      {c: int(getattr(r, f"c_{c}") or 0) for c in CRITERIA}, int(r.open_issues or 0),
                      r.oldest_pending, int(r.rank) if r.rank is not None and people else None)


# --------------------------------------------------------------------------- the people of a unit


@dataclass(frozen=True)
class FailingPerson:
    """A file in force that fails at least one rule: who, where, and which rules."""

    person_id: int
    full_name: str
    unit_name: str
    failed: tuple[str, ...]


@dataclass(frozen=True)
class UnitPage:
    """A unit's quality page: the unit, its subtree's figures, one page of the files failing a rule."""

    unit: OrgUnit
    summary: QualityRow
    people: list[FailingPerson]
    more: bool


def _subtree_readable(user, unit: OrgUnit):
    """A SELECT of the unit ids of ``unit``'s subtree whose files ``user`` reads."""
    inside = select(OrgUnit.id).where(Subtree.of(unit).condition())
    if _whole_subtree(user, unit):
        return inside
    return inside.where(OrgUnit.id.in_(scope.unit_ids(user, ACTION_READ, RESOURCE_PERSONNEL)))


def _failing_row(r, prefix: str = "") -> FailingPerson:
    name = " ".join(p for p in (r.family_name, r.middle_name, r.given_name) if p)
    return FailingPerson(r.person_id, name, r.unit_name,
                         tuple(k.key for k in RULES if getattr(r, prefix + k.key)))


def _failing_select(flags, keys: list[str], prefix: str = ""):
    pu = aliased(OrgUnit, name="pu")
    return (select(Person.id.label("person_id"), Person.family_name, Person.middle_name, Person.given_name,
                   Person.sort_key, pu.name.label("unit_name"), *[flags.c[r.key].label(prefix + r.key) for r in RULES])
            .select_from(flags).join(Person, Person.id == flags.c.person_id).join(pu, pu.id == Person.org_unit_id)
            .where(or_(*[flags.c[k] == 1 for k in keys])))


def unit_page(user, unit_id, rule_key: str | None = None, *, offset: int = 0, limit: int = 50,
              day: date | None = None) -> UnitPage:
    """The unit page in one statement: the files' flags are computed once (a materialised CTE) and read both by
    the subtree's figures and by the page of files failing ``rule_key`` (any rule when None), in Vietnamese name
    order. NotFoundError for a unit outside the scope; an unknown rule is a ValueError (the view refuses it)."""
    from app.workflow import local_today

    day = day or local_today()
    unit = readable_unit(user, unit_id)
    if rule_key is not None and rule_key not in _BY_KEY:
        raise ValueError(rule_key)
    flags = _flags_cte(_subtree_readable(user, unit), day)
    measures = _measures(flags)
    child = aliased(OrgUnit, name="child")
    summary = select(*[m.label(name) for name, m in measures],
                     exists(select(literal(1)).where(child.parent_id == unit.id)).label("has_children")
                     ).select_from(flags).subquery("summary")
    keys = [rule_key] if rule_key else [r.key for r in RULES]
    page = (_failing_select(flags, keys, "p_").order_by(Person.sort_key, Person.id)
            .offset(max(offset, 0)).limit(limit + 1).subquery("page"))
    stmt = (select(summary, page).select_from(summary.outerjoin(page, literal(True)))
            .order_by(page.c.sort_key, page.c.person_id))
    result = db.session.execute(stmt).all()
    first = result[0]
    people = int(first.people or 0)
    row = QualityRow(unit.id, unit.name, False, bool(first.has_children), people, int(first.clean or 0),
                     {k.key: int(getattr(first, k.key) or 0) for k in RULES},
                     {c: int(getattr(first, f"c_{c}") or 0) for c in CRITERIA}, int(first.open_issues or 0),
                     first.oldest_pending, 1 if people else None)
    out = [_failing_row(r, "p_") for r in result if r.person_id is not None]
    return UnitPage(unit, row, out[:limit], len(out) > limit)


def failing_people(user, unit_id, rule_key: str | None = None, *, offset: int = 0, limit: int = 50,
                   day: date | None = None) -> tuple[list[FailingPerson], bool]:
    """The files of the unit's subtree (those the user may read) that fail ``rule_key`` (any rule when None), in
    Vietnamese name order; and whether there are more. NotFoundError for a unit outside the scope; an unknown
    rule is a ValueError (the view refuses it first)."""
    from app.workflow import local_today

    day = day or local_today()
    unit = readable_unit(user, unit_id)
    if rule_key is not None and rule_key not in _BY_KEY:
        raise ValueError(rule_key)
    flags = _flags_cte(_subtree_readable(user, unit), day)
    keys = [rule_key] if rule_key else [r.key for r in RULES]
    stmt = _failing_select(flags, keys).order_by(Person.sort_key, Person.id).offset(max(offset, 0)).limit(limit + 1)
    out = [_failing_row(r) for r in db.session.execute(stmt).all()]
    return out[:limit], len(out) > limit
