"""BM02/BNV "Báo cáo số lượng, chất lượng công chức" and its family (issue 17 item 2; domain.md §7).

Three kinds of the same report, each for a unit subtree and a reference date (ngày báo cáo):

- ``cong-chuc``: BM02/BNV (TT 11/2012/TT-BNV), công chức from cấp huyện up (units outside the communes), its 38
  columns: quota, headcount, women, Party members, ethnic minorities, religion, ngạch groups, qualification,
  political theory, IT, languages, state management, age bands;
- ``vien-chuc``: the same for viên chức, with the CDNN hạng I–IV instead of the ngạch groups;
- ``cap-xa``: cán bộ, công chức cấp xã (units of type ``ubnd_xa`` and their sub-units), with cán bộ / công chức
  split out and the general-education and "chưa qua đào tạo" columns of the commune variant.

People counted: status active or suspended, in their current (approved) files; the reference date is the day
ages are computed on (and the retirement age of NĐ 135/2020/NĐ-CP reached). The columns are DATA
(:class:`ReportColumn`: key, printed number, header, group header and the condition as an SQL expression on the
columns of one source row per person); the figures are **one** grouped statement: ``COUNT(*) FILTER (WHERE …)``
per column, ``GROUP BY ROLLUP`` of the row units read from each person's unit path (the row unit at each level
below the report's root, like ``app/services/compliance.py``), so every level's subtotal and the total come
from the same statement. Training-based columns (political theory, state management, IT, languages) read a
per-person aggregate of ``training_record`` (a LATERAL subquery on its ``(person_id, kind)`` index). People are
never loaded into Python; only unit names and quotas are.

Column 1 (biên chế được giao) is the units' ``bien_che_quota``: a row's quota is the sum of the quotas of the
topmost units of its subtree that have one (a sở's own quota, not again its phòng's share of it). The viên chức
report has no quota of its own yet (blank).

Scope: ``scope.unit_ids(user, read, PersonnelFile)``, like the people list; the default root is the reader's top
units. A unit outside the scope (or that does not exist) is a :class:`NotFoundError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Integer, Text, and_, case, cast, func, literal, not_, or_, select, text, true

from app.extensions import db
from app.security import scope
from app.security.permissions import ACTION_READ, RESOURCE_PERSONNEL
from app.seeds.code_lists import CODE_LISTS
from app.services.errors import NotFoundError, ServiceError, ValidationError
from app.services.personnel.people import ACTIVE_STATUSES
from models.org_units import STATUS_ACTIVE, OrgUnit, Subtree
from models.personnel import Person, TrainingRecord

__all__ = [
    "COMMUNE_TYPE",
    "KINDS",
    "MAX_DEPTH",
    "Bm02Report",
    "NeedsPostgreSQL",
    "Bm02Row",
    "ReportColumn",
    "ReportKind",
    "bm02_report",
    "parse_depth",
    "require_postgresql",
    "retirement_months",
]

#: Unit type of the communes (xã, phường, đặc khu): the cấp xã report's units, left out of the other two.
COMMUNE_TYPE = "ubnd_xa"
#: Levels of units shown below the root (each with its subtotal), at most.
MAX_DEPTH = 3
DEFAULT_DEPTH = 2

# --------------------------------------------------------------------------- the code lists, as the columns read them


def _entries(kind: str):
    return CODE_LISTS[kind].entries


def _bm02_ranks(kind: str) -> dict[str, int]:
    """Code -> rank (higher is a higher level) of a list whose entries name their BM02 column (``extra.bm02``): the
    lower the column, the higher the level (Cử nhân before Cao cấp … Sơ cấp)."""
    numbered = [(e.code, e.extra["bm02"]) for e in _entries(kind) if e.extra and e.extra.get("bm02")]
    columns = sorted({n for _c, n in numbered})
    return {code: len(columns) - columns.index(n) for code, n in numbered}


def _codes_of_column(kind: str, number: int) -> tuple[str, ...]:
    return tuple(e.code for e in _entries(kind) if e.extra and e.extra.get("bm02") == number)


#: Dân tộc thiểu số: every group of QĐ 121-TCTK but Kinh (01) and foreigners (55).
MINORITY_CODES = tuple(e.code for e in _entries("ethnicity") if (e.extra or {}).get("minority"))
#: "Chứng chỉ tiếng dân tộc": a language row naming a minority's tongue ("Tiếng Tày", "Tiếng Ê-đê" …).
ETHNIC_TONGUES = tuple(f"Tiếng {e.name}" for e in _entries("ethnicity") if (e.extra or {}).get("minority")) + tuple(
    f"Tiếng {alias}" for alias, code in CODE_LISTS["ethnicity"].aliases if code in MINORITY_CODES)
#: Tôn giáo "Không".
NO_RELIGION = tuple(e.code for e in _entries("religion") if e.name == "Không")
POLITICAL_RANK = _bm02_ranks("political_level")
MANAGEMENT_RANK = _bm02_ranks("management_level")
#: Trình độ from trung cấp, and from đại học (code lists' qualification codes).
FROM_MIDDLE = ("TC", "CD", "DH", "ThS", "TS", "TSKH")
FROM_DEGREE = ("DH", "ThS", "TS", "TSKH")
#: A professional degree (from trung cấp) in one of these majors counts as "Tin học trung cấp trở lên".
IT_MAJORS = ("%công nghệ thông tin%", "%tin học%", "%khoa học máy tính%")
ENGLISH = ("Tiếng Anh", "Anh", "English")
#: The ngạch groups of BM02 (columns 7–11): the rank list's ``equiv`` (ngạch and its tương đương).
RANK_GROUPS = ("CVCC", "CVC", "CV", "CS", "NV")


def rank_codes(equiv: str) -> tuple[str, ...]:
    """Ngạch/CDNN codes of a BM02 group ("CVCC" = chuyên viên cao cấp và tương đương …)."""
    return tuple(sorted({e.code for e in _entries("rank") if (e.extra or {}).get("equiv") == equiv}))


_HANG = re.compile(r"hạng (IV|III|II|I)\b")


def grade_codes(grade: str) -> tuple[str, ...]:
    """CDNN codes of viên chức of hạng ``grade`` (I … IV), read from the names of the rank list."""
    out = set()
    for e in _entries("rank"):
        match = _HANG.search(e.name)
        if (e.extra or {}).get("category") == "vien_chuc" and match and match.group(1) == grade:
            out.add(e.code)
    return tuple(sorted(out))


def general_education_codes(level: str) -> tuple[str, ...]:
    """Codes of the general-education list at ``level`` (TH, THCS, THPT)."""
    return tuple(e.code for e in _entries("general_education") if (e.extra or {}).get("level") == level)


# --------------------------------------------------------------------------- retirement age (NĐ 135/2020/NĐ-CP)

#: Sex -> (age in months before the reform, months added per year from 2021, final age in months).
RETIREMENT = {"nam": (720, 3, 744), "nu": (660, 4, 720)}
REFORM_YEAR = 2021


def retirement_months(gender: str, year: int, month: int) -> int | None:
    """The retirement age in months of a person of ``gender`` born in ``month``/``year`` (NĐ 135/2020/NĐ-CP,
    Điều 4: from 2021 men 60 years 3 months, +3 months a year up to 62; women 55 years 4 months, +4 months a
    year up to 60; the age of the year in which the person reaches it)."""
    if gender not in RETIREMENT:
        return None
    base, step, final = RETIREMENT[gender]
    born = year * 12 + month - 1
    if born + base < REFORM_YEAR * 12:
        return base
    year_reached = REFORM_YEAR
    while True:
        age = min(base + step * (year_reached - REFORM_YEAR + 1), final)
        if born + age <= year_reached * 12 + 11:
            return age
        year_reached += 1


def _retirement_case(gender: str, birth):
    """SQL: the retirement age in months for ``birth`` (a date column), as ranges of birth months."""
    base, _step, final = RETIREMENT[gender]
    ranges: list[tuple[int, int]] = []  # (first birth month number after the range, age)
    first = (REFORM_YEAR * 12 - base) // 12 - 1
    for n in range(first * 12, (first + 20) * 12):
        age = retirement_months(gender, n // 12, n % 12 + 1)
        if ranges and ranges[-1][1] == age:
            ranges[-1] = (n + 1, age)
        else:
            ranges.append((n + 1, age))
    whens = [(birth < date(end // 12, end % 12 + 1, 1), age) for end, age in ranges if age != final]
    return case(*whens, else_=final)


# --------------------------------------------------------------------------- the columns as data


@dataclass(frozen=True)
class ReportColumn:
    """One column: ``key``, its printed number, its header under its group header (None: a header spanning both
    header rows), and ``condition(s)`` on the source row ``s`` (None: everyone counted; ``quota``: column 1)."""

    key: str
    header: Any
    group: Any = None
    condition: Callable[[Any], Any] | None = None
    quota: bool = False


G_TOTAL = None
G_AMONG = _l("Trong đó")
G_RANK = _l("Ngạch công chức")
G_GRADE = _l("Chức danh nghề nghiệp")
G_GENERAL = _l("Trình độ giáo dục phổ thông")
G_QUAL = _l("Trình độ chuyên môn")
G_POLITICAL = _l("Lý luận chính trị")
G_IT = _l("Tin học")
G_ENGLISH = _l("Tiếng Anh")
G_LANGUAGE = _l("Ngoại ngữ khác")
G_ETHNIC = _l("Tiếng dân tộc")
G_MANAGEMENT = _l("Quản lý nhà nước")
G_AGE = _l("Độ tuổi")


def _in(values):
    return lambda column: column.in_(values)


def _among() -> list[ReportColumn]:
    return [
        ReportColumn("women", _l("Nữ"), G_AMONG, lambda s: s.gender == "nu"),
        ReportColumn("party", _l("Đảng viên"), G_AMONG, lambda s: s.party_joined_on.is_not(None)),
        ReportColumn("minority", _l("Dân tộc thiểu số"), G_AMONG, lambda s: s.ethnicity.in_(MINORITY_CODES)),
        ReportColumn("religion", _l("Tôn giáo"), G_AMONG,
                     lambda s: and_(s.religion.is_not(None), s.religion.not_in(NO_RELIGION))),
    ]


def _ranks() -> list[ReportColumn]:
    labels = {"CVCC": _l("Chuyên viên cao cấp và tương đương"), "CVC": _l("Chuyên viên chính và tương đương"),
              "CV": _l("Chuyên viên và tương đương"), "CS": _l("Cán sự và tương đương"), "NV": _l("Nhân viên")}
    return [ReportColumn(f"rank_{g.lower()}", labels[g], G_RANK, lambda s, g=g: s.rank_code.in_(rank_codes(g)))
            for g in RANK_GROUPS]


def _grades() -> list[ReportColumn]:
    labels = {"I": _l("Hạng I"), "II": _l("Hạng II"), "III": _l("Hạng III"), "IV": _l("Hạng IV")}
    return [ReportColumn(f"grade_{g.lower()}", labels[g], G_GRADE, lambda s, g=g: s.rank_code.in_(grade_codes(g)))
            for g in ("I", "II", "III", "IV")]


def _qualification(untrained: bool = False) -> list[ReportColumn]:
    labels = {12: _l("Tiến sĩ"), 13: _l("Thạc sĩ"), 14: _l("Đại học"), 15: _l("Cao đẳng"), 16: _l("Trung cấp"),
              17: _l("Sơ cấp")}
    keys = {12: "doctor", 13: "master", 14: "bachelor", 15: "college", 16: "middle", 17: "elementary"}
    out = [ReportColumn(f"qual_{keys[n]}", labels[n], G_QUAL,
                        lambda s, n=n: s.highest_qualification.in_(_codes_of_column("qualification", n)))
           for n in sorted(labels)]
    if untrained:
        trained = tuple(c for n in labels for c in _codes_of_column("qualification", n))
        out.append(ReportColumn("qual_none", _l("Chưa qua đào tạo"), G_QUAL,
                                lambda s: or_(s.highest_qualification.is_(None),
                                              s.highest_qualification.not_in(trained))))
    return out


def _political() -> list[ReportColumn]:
    labels = {"CN": _l("Cử nhân"), "CC": _l("Cao cấp"), "TC": _l("Trung cấp"), "SC": _l("Sơ cấp")}
    return [ReportColumn(f"political_{code.lower()}", labels[code], G_POLITICAL,
                         lambda s, r=POLITICAL_RANK[code]: s.political == r)
            for code in sorted(POLITICAL_RANK, key=POLITICAL_RANK.get, reverse=True)]


def _skills() -> list[ReportColumn]:
    return [
        ReportColumn("it_middle", _l("Trung cấp trở lên"), G_IT, lambda s: s.it_middle.is_(True)),
        ReportColumn("it_certificate", _l("Chứng chỉ"), G_IT,
                     lambda s: and_(s.it_any.is_(True), s.it_middle.is_not(True))),
        ReportColumn("english_degree", _l("Đại học trở lên"), G_ENGLISH, lambda s: s.english_degree.is_(True)),
        ReportColumn("english_certificate", _l("Chứng chỉ A, B, C"), G_ENGLISH,
                     lambda s: and_(s.english_any.is_(True), s.english_degree.is_not(True))),
        ReportColumn("language_degree", _l("Đại học trở lên"), G_LANGUAGE, lambda s: s.language_degree.is_(True)),
        ReportColumn("language_certificate", _l("Chứng chỉ"), G_LANGUAGE,
                     lambda s: and_(s.language_any.is_(True), s.language_degree.is_not(True))),
        ReportColumn("ethnic_tongue", _l("Chứng chỉ tiếng dân tộc"), G_ETHNIC, lambda s: s.ethnic_tongue.is_(True)),
    ]


def _management() -> list[ReportColumn]:
    labels = {"CVCC": _l("Chuyên viên cao cấp và tương đương"), "CVC": _l("Chuyên viên chính và tương đương"),
              "CV": _l("Chuyên viên và tương đương")}
    return [ReportColumn(f"management_{code.lower()}", labels[code], G_MANAGEMENT,
                         lambda s, r=MANAGEMENT_RANK[code]: s.management == r)
            for code in sorted(MANAGEMENT_RANK, key=MANAGEMENT_RANK.get, reverse=True)]


def _ages() -> list[ReportColumn]:
    return [
        ReportColumn("age_30", _l("Từ 30 trở xuống"), G_AGE, lambda s: s.age <= 30),
        ReportColumn("age_31_40", _l("Từ 31 đến 40"), G_AGE, lambda s: s.age.between(31, 40)),
        ReportColumn("age_41_50", _l("Từ 41 đến 50"), G_AGE, lambda s: s.age.between(41, 50)),
        ReportColumn("age_51_60", _l("Từ 51 đến 60: tổng số"), G_AGE, lambda s: s.age.between(51, 60)),
        ReportColumn("age_women_51_55", _l("Nữ từ 51 đến 55"), G_AGE,
                     lambda s: and_(s.gender == "nu", s.age.between(51, 55))),
        ReportColumn("age_men_56_60", _l("Nam từ 56 đến 60"), G_AGE,
                     lambda s: and_(s.gender == "nam", s.age.between(56, 60))),
        ReportColumn("over_retirement", _l("Trên tuổi nghỉ hưu"), G_AGE, lambda s: s.over_retirement.is_(True)),
    ]


@dataclass(frozen=True)
class ReportKind:
    """One report of the family: its URL key, titles, the categories of people it counts, which units (communes
    only, or every unit but the communes) and its columns."""

    key: str
    title: Any
    subject: Any
    categories: tuple[str, ...]
    communes: bool
    columns: tuple[ReportColumn, ...]
    form_code: str = ""
    #: False while the units carry no quota of this kind (column 1 stays blank).
    has_quota: bool = True

    @property
    def groups(self) -> list[tuple[Any, list[ReportColumn]]]:
        """(group header or None, its consecutive columns) in column order: the two-level header."""
        out: list[tuple[Any, list[ReportColumn]]] = []
        for col in self.columns:
            if out and col.group is not None and out[-1][0] is col.group:
                out[-1][1].append(col)
            else:
                out.append((col.group, [col]))
        return out


KINDS: dict[str, ReportKind] = {k.key: k for k in (
    ReportKind(
        "cong-chuc", _l("Báo cáo số lượng, chất lượng công chức"), _l("công chức từ cấp huyện trở lên"),
        ("cong_chuc",), False, (
            ReportColumn("quota", _l("Tổng số biên chế được giao"), G_TOTAL, quota=True),
            ReportColumn("total", _l("Tổng số công chức hiện có"), G_TOTAL),
            *_among(), *_ranks(), *_qualification(), *_political(), *_skills(), *_management(), *_ages(),
        ), "BM02/BNV"),
    ReportKind(
        "vien-chuc", _l("Báo cáo số lượng, chất lượng viên chức"), _l("viên chức trong các đơn vị sự nghiệp công lập"),
        ("vien_chuc",), False, (
            ReportColumn("quota", _l("Tổng số người làm việc được giao"), G_TOTAL, quota=True),
            ReportColumn("total", _l("Tổng số viên chức hiện có"), G_TOTAL),
            *_among(), *_grades(), *_qualification(), *_political(), *_skills(), *_management(), *_ages(),
        ), has_quota=False),
    ReportKind(
        "cap-xa", _l("Báo cáo số lượng, chất lượng cán bộ, công chức cấp xã"), _l("cán bộ, công chức cấp xã"),
        ("can_bo", "cong_chuc"), True, (
            ReportColumn("quota", _l("Tổng số biên chế được giao"), G_TOTAL, quota=True),
            ReportColumn("total", _l("Tổng số cán bộ, công chức cấp xã hiện có"), G_TOTAL),
            ReportColumn("can_bo", _l("Cán bộ"), G_AMONG, lambda s: s.category == "can_bo"),
            ReportColumn("cong_chuc", _l("Công chức"), G_AMONG, lambda s: s.category == "cong_chuc"),
            *_among(),
            ReportColumn("general_th", _l("Tiểu học"), G_GENERAL,
                         lambda s: s.general_education.in_(general_education_codes("TH"))),
            ReportColumn("general_thcs", _l("Trung học cơ sở"), G_GENERAL,
                         lambda s: s.general_education.in_(general_education_codes("THCS"))),
            ReportColumn("general_thpt", _l("Trung học phổ thông"), G_GENERAL,
                         lambda s: s.general_education.in_(general_education_codes("THPT"))),
            *_qualification(untrained=True), *_political(), *_skills(), *_management(), *_ages(),
        )),
)}


# --------------------------------------------------------------------------- the result


@dataclass
class Bm02Row:
    """A row: a unit's subtree (``role`` "unit", or "subtotal" when its children follow), the people attached to
    a unit itself ("direct"), or the total. ``values``: column key -> figure (None: no figure, e.g. no quota)."""

    unit_id: int | None
    name: str
    depth: int
    role: str
    values: dict[str, int | None]
    code: str | None = None


@dataclass
class Bm02Report:
    """The report: its kind, reference date, root (None: the reader's top units), depth, rows and total."""

    kind: ReportKind
    day: date
    root: OrgUnit | None
    depth: int
    rows: list[Bm02Row]
    total: Bm02Row
    anchors: list[OrgUnit] = field(default_factory=list)

    @property
    def scope_name(self) -> str:
        """What the report covers: the root unit, or the reader's top units."""
        if self.root is not None:
            return self.root.name
        return ", ".join(a.name for a in self.anchors)


# --------------------------------------------------------------------------- the statement


def _tops(user) -> tuple[list[OrgUnit], bool]:
    """The reader's top units (readable grants not inside another), and whether all are whole subtrees."""
    grants = scope.grants_for(user, ACTION_READ, RESOURCE_PERSONNEL)
    subtree = [g for g in grants if g.include_descendants]
    ids, whole = [], True
    for g in grants:
        inside = any(o is not g and o.include_descendants and o.unit_id != g.unit_id
                     and Subtree(o.unit_path).covers(g.unit_path) for o in subtree)
        if inside or g.unit_id in ids:
            continue
        if not g.include_descendants and any(o.unit_id == g.unit_id for o in subtree):
            continue
        ids.append(g.unit_id)
        whole = whole and g.include_descendants
    units = list(db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids or [-1]))))
    return sorted(units, key=lambda u: (u.search_key, u.id)), whole


def _depth_of(path: str) -> int:
    return path.strip("/").count("/") + 1


def _part(path, n: int):
    """SQL: the id at position ``n`` (1 = the root) of a path, 0 when the path is shorter."""
    return func.coalesce(cast(func.nullif(func.split_part(path, "/", n + 1), ""), Integer), 0)


def _source(kind: ReportKind, day: date, anchors: list[OrgUnit], shift: int, depth: int, readable):
    """One row per person counted: the rollup keys ``k1…kD`` and the columns the conditions read."""
    u = OrgUnit.__table__.alias("u")
    p = Person.__table__.alias("p")
    tr = TrainingRecord.__table__.alias("tr")
    day_sql = cast(literal(day), Date)
    english = func.lower(tr.c.language).in_([func.lower(literal(n)) for n in ENGLISH])
    tongue = func.lower(tr.c.language).in_([func.lower(literal(n)) for n in ETHNIC_TONGUES])
    other = and_(tr.c.language.is_not(None), not_(english), not_(tongue))
    is_lang = tr.c.kind == "language"
    it_major = and_(tr.c.kind == "professional", tr.c.level.in_(FROM_MIDDLE),
                    or_(*[func.lower(tr.c.major).like(m) for m in IT_MAJORS]))
    training = (
        select(
            func.max(case(*[(tr.c.level == c, r) for c, r in POLITICAL_RANK.items()])).filter(
                tr.c.kind == "political").label("political"),
            func.max(case(*[(tr.c.level == c, r) for c, r in MANAGEMENT_RANK.items()])).filter(
                tr.c.kind == "management").label("management"),
            func.bool_or(or_(and_(tr.c.kind == "it", tr.c.level.in_(FROM_MIDDLE)), it_major)).label("it_middle"),
            func.bool_or(tr.c.kind == "it").label("it_any"),
            func.bool_or(and_(is_lang, english, tr.c.level.in_(FROM_DEGREE))).label("english_degree"),
            func.bool_or(and_(is_lang, english)).label("english_any"),
            func.bool_or(and_(is_lang, other, tr.c.level.in_(FROM_DEGREE))).label("language_degree"),
            func.bool_or(and_(is_lang, other)).label("language_any"),
            func.bool_or(and_(is_lang, tongue)).label("ethnic_tongue"),
        )
        .where(tr.c.person_id == p.c.id,
               tr.c.kind.in_(("political", "management", "it", "language", "professional")))
        .lateral("t"))
    keys = []
    for level in range(1, depth + 1):
        if len(anchors) == 1:
            keys.append(_part(u.c.path, _depth_of(anchors[0].path) + shift + level - 1).label(f"k{level}"))
        else:
            keys.append(case(*[(Subtree(a.path).condition(u.c.path),
                                _part(u.c.path, _depth_of(a.path) + shift + level - 1)) for a in anchors]
                             ).label(f"k{level}"))
    birth = p.c.birth_date
    retire = case((p.c.gender == "nam", _retirement_case("nam", birth)),
                  (p.c.gender == "nu", _retirement_case("nu", birth)))
    over = func.date_trunc("month", birth) + func.make_interval(0, retire + 1) <= day_sql
    communes = select(func.array_agg(cast(OrgUnit.id, Text))).where(
        OrgUnit.unit_type == COMMUNE_TYPE).scalar_subquery()
    in_commune = func.string_to_array(func.btrim(u.c.path, "/"), "/").op("&&")(communes)
    where = [p.c.status.in_(ACTIVE_STATUSES), p.c.category.in_(kind.categories),
             in_commune if kind.communes else not_(func.coalesce(in_commune, False))]
    if not (len(anchors) == 1 and anchors[0].parent_id is None):
        where.append(or_(*[Subtree(a.path).condition(u.c.path) for a in anchors]))
    if readable is not None:
        where.append(p.c.org_unit_id.in_(readable))
    return (
        select(*keys, p.c.category, p.c.gender, p.c.ethnicity, p.c.religion, p.c.party_joined_on, p.c.rank_code,
               p.c.highest_qualification, p.c.general_education,
               cast(func.date_part("year", func.age(day_sql, birth)), Integer).label("age"),
               over.label("over_retirement"), training.c.political, training.c.management, training.c.it_middle,
               training.c.it_any, training.c.english_degree, training.c.english_any, training.c.language_degree,
               training.c.language_any, training.c.ethnic_tongue)
        .select_from(p.join(u, u.c.id == p.c.org_unit_id).join(training, true()))
        .where(*where)
        .subquery("src"))


def _figures(kind: ReportKind, day: date, anchors, shift: int, depth: int, readable) -> dict[tuple, dict]:
    """Rollup key -> {column key: count} from the one grouped statement (every level and the total)."""
    src = _source(kind, day, anchors, shift, depth, readable)
    keys = [src.c[f"k{i}"] for i in range(1, depth + 1)]
    counts = [(func.count() if col.condition is None else func.count().filter(col.condition(src.c))).label(col.key)
              for col in kind.columns if not col.quota]
    stmt = select(*keys, *counts).group_by(func.rollup(*keys))
    if db.session.get_bind().dialect.name == "postgresql":
        # The planner's cost of a city-wide report crosses PostgreSQL's JIT threshold, and compiling some forty
        # FILTER expressions takes longer (1.5 s measured on the 250,000-person city) than running them (0.2 s).
        db.session.execute(text("SET LOCAL jit = off"))
    out = {}
    for row in db.session.execute(stmt):
        mapping = row._mapping
        key = tuple(k for k in (mapping[f"k{i}"] for i in range(1, depth + 1)) if k is not None)
        out[key] = {col.key: int(mapping[col.key]) for col in kind.columns if not col.quota}
    return out


def _quotas(kind: ReportKind, anchors, readable, day: date) -> dict[int, int]:
    """Unit id -> biên chế of its subtree: the quotas of the topmost units having one (units only: ids, paths).

    A unit's quota is the công chức quota in force on ``day`` for that year from the staffing decisions (issue 17
    item 1: ``unit_quota``, the latest decision dated on or before the day), else the unit's legacy
    ``bien_che_quota``."""
    from app.services.staffing import current_ids
    from models.staffing import UnitQuota

    if not kind.has_quota:
        return {}
    decided = (select(UnitQuota.org_unit_id, UnitQuota.quota)
               .where(UnitQuota.id.in_(current_ids(UnitQuota, (UnitQuota.org_unit_id, UnitQuota.year,
                                                               UnitQuota.kind),
                                                   UnitQuota.kind == "cong_chuc", UnitQuota.year == day.year,
                                                   day=day)))
               .subquery("decided"))
    quota_col = func.coalesce(decided.c.quota, OrgUnit.bien_che_quota)
    stmt = (select(OrgUnit.id, OrgUnit.path, quota_col).outerjoin(decided, decided.c.org_unit_id == OrgUnit.id)
            .where(quota_col.is_not(None), OrgUnit.status == STATUS_ACTIVE,
                   or_(*[Subtree(a.path).condition(OrgUnit.path) for a in anchors])))
    if readable is not None:
        stmt = stmt.where(OrgUnit.id.in_(readable))
    rows = db.session.execute(stmt).all()
    communes = set(db.session.scalars(select(OrgUnit.id).where(OrgUnit.unit_type == COMMUNE_TYPE)))
    quota = {uid: (path, q) for uid, path, q in rows
             if bool(communes.intersection(int(i) for i in path.strip("/").split("/"))) == kind.communes}
    totals: dict[int, int] = {}
    for uid, (path, q) in quota.items():
        ids = [int(i) for i in path.strip("/").split("/")]
        for ancestor in reversed(ids):
            if ancestor != uid and ancestor in quota:
                break  # the nearest unit above with its own quota holds this one's share
            totals[ancestor] = totals.get(ancestor, 0) + q
    return totals


class NeedsPostgreSQL(ServiceError):
    """The report cannot be computed on this database (503: the service, not the request, is lacking)."""

    status = 503


def require_postgresql() -> None:
    """NeedsPostgreSQL on the embedded SQLite default (a demo): the report is one ROLLUP statement with LATERAL
    training summaries and date arithmetic of PostgreSQL, so the demo says so instead of failing."""
    if db.session.get_bind().dialect.name != "postgresql":
        raise NeedsPostgreSQL(_("Báo cáo này cần cơ sở dữ liệu PostgreSQL; bản chạy thử trên SQLite không lập được."))


def parse_depth(depth) -> int:
    """The levels of units shown (default :data:`DEFAULT_DEPTH`); ValidationError outside 1…``MAX_DEPTH``."""
    if depth in (None, ""):
        return DEFAULT_DEPTH
    try:
        value = int(depth)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= MAX_DEPTH:
        raise ValidationError({"depth": [_("Số cấp đơn vị hiển thị phải từ 1 đến %(max)s.", max=MAX_DEPTH)]})
    return value


def bm02_report(user, kind: str, unit_id: Any = None, day: date | None = None, depth: Any = None) -> Bm02Report:
    """The report ``kind`` (a key of :data:`KINDS`) for the subtree of ``unit_id`` (None: the reader's top units)
    on ``day`` (today by default), ``depth`` levels of units below the root, each with its subtotal.

    NotFoundError for an unknown kind, a unit that does not exist, an id that is not a number, or a unit outside
    the reader's scope; ValidationError for a bad depth."""
    from app.workflow import local_today

    report_kind = KINDS.get(kind)
    if report_kind is None:
        raise NotFoundError(_("Không có loại báo cáo này."))
    require_postgresql()
    day = day or local_today()
    depth = parse_depth(depth)
    grants = scope.grants_for(user, ACTION_READ, RESOURCE_PERSONNEL)
    if unit_id not in (None, ""):
        unit = db.session.get(OrgUnit, unit_id) if isinstance(unit_id, int) and unit_id > 0 else None
        if unit is None or not scope.allows(user, ACTION_READ, RESOURCE_PERSONNEL, unit):
            raise NotFoundError(_("Không tìm thấy đơn vị trong phạm vi của bạn."))
        root, anchors, shift = unit, [unit], 1
        whole = any(g.include_descendants and Subtree(g.unit_path).covers(unit) for g in grants)
    else:
        tops, whole = _tops(user)
        if not tops:
            raise NotFoundError(_("Không tìm thấy đơn vị trong phạm vi của bạn."))
        if len(tops) == 1 and whole:
            root, anchors, shift = tops[0], tops, 1
        else:
            root, anchors, shift = None, tops, 0
    readable = None if whole else scope.unit_ids(user, ACTION_READ, RESOURCE_PERSONNEL)
    figures = _figures(report_kind, day, anchors, shift, depth, readable)
    quotas = _quotas(report_kind, anchors, readable, day)
    rows = _rows(report_kind, figures, quotas, root, anchors, depth, readable)
    empty = dict.fromkeys((c.key for c in report_kind.columns if not c.quota), 0)
    total_values = {**figures.get((), empty), "quota": (quotas.get(root.id) if root is not None else
                                                         sum(quotas.get(a.id, 0) for a in anchors) or None)}
    total = Bm02Row(root.id if root is not None else None, _("Tổng cộng"), 0, "total", total_values)
    return Bm02Report(report_kind, day, root, depth, rows, total, anchors)


def _rows(kind: ReportKind, figures: dict, quotas: dict, root, anchors, depth: int, readable) -> list[Bm02Row]:
    """The rows in tree order: each unit of level 1 (every open child of the root in scope, or each top unit), then
    its children down to ``depth`` when it has any (it is then a subtotal); the people attached to a unit itself
    in a "direct" row first under it."""
    level1 = [a.id for a in anchors] if root is None else list(db.session.scalars(
        select(OrgUnit.id).where(OrgUnit.parent_id == root.id, OrgUnit.status == STATUS_ACTIVE,
                                 *([OrgUnit.id.in_(readable)] if readable is not None else []))))
    ids = {k for key in figures for k in key if k} | set(level1) | ({root.id} if root is not None else set())
    units = {uid: (name, sk, code) for uid, name, sk, code in db.session.execute(
        select(OrgUnit.id, OrgUnit.name, OrgUnit.search_key, OrgUnit.ma_dinh_danh).where(OrgUnit.id.in_(ids)))}
    empty = dict.fromkeys((c.key for c in kind.columns if not c.quota), 0)
    children: dict[tuple, set] = {}
    for key in figures:
        if key:
            children.setdefault(key[:-1], set()).add(key[-1])
    children.setdefault((), set()).update(level1)
    out: list[Bm02Row] = []

    def order(item: int):
        return (item != 0, units.get(item, ("", "", None))[1], item)

    def walk(prefix: tuple, parent_id: int | None, level: int):
        for uid in sorted(children.get(prefix, ()), key=order):
            key = prefix + (uid,)
            values = dict(figures.get(key, empty))
            if uid == 0:
                name = units.get(parent_id, ("", "", None))[0]
                out.append(Bm02Row(parent_id, _("%(name)s (trực thuộc trực tiếp)", name=name), level, "direct",
                                   {**values, "quota": None}))
                continue
            below = children.get(key, set())
            has_children = level < depth and below and below != {0}
            name, _sk, code = units.get(uid, (str(uid), "", None))
            out.append(Bm02Row(uid, name, level, "subtotal" if has_children else "unit",
                               {**values, "quota": quotas.get(uid)}, code))
            if has_children:
                walk(key, uid, level + 1)

    walk((), root.id if root is not None else None, 1)
    return out
