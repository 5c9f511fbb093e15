"""A whole restructuring from a mapping sheet (issue 19, item 5; HN-3.9, HN-21.2).

:func:`plan_restructure` reads the sheet (``sheet.parse_sheet``) and plays its events, in row order, on a *virtual*
tree — the units the sheet names, their ancestors and their open sub-units, loaded once — so that a later row may
name a unit an earlier row creates. Nothing is written. The plan says which units close and open, which sub-units
move, how many files, accounts and role assignments move (counted once per unit by grouped SQL, then carried along
in memory: no query per row), which role assignments follow, and every problem with its row and cell.

:func:`apply_restructure` is one use case: it plans again inside its transaction, refuses a plan with problems, then
carries out each event through the existing restructuring use cases (``merge_units``, ``consolidate_units``,
``split_unit`` — person by person —, ``move_unit``, ``update_unit``, ``dissolve_unit``), which join its transaction:
a failure at any row rolls the whole sheet back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import false, or_, select

from app.crypto import blind_index
from app.extensions import db
from app.services.errors import Errors, ServiceError, ValidationError, after_commit, use_case
from app.services.org_units import use_cases as uc
from app.services.org_units.references import REFERENCES, member_counts
from app.services.org_units.sheet import (
    ALLOCATION_SHEET,
    EVENTS_SHEET,
    Allocation,
    EventRow,
    Issue,
    UnitRef,
    parse_sheet,
)
from app.services.org_units.validation import check_decision, check_unit_data, code_is_valid
from app.services.org_units.values import Decision, UnitData
from app.text import clean, search_key
from models.org_units import EVENT_TYPES, ROOT_TYPE, STATUS_ACTIVE, UNIT_TYPES, OrgUnit

__all__ = ["SheetPlan", "apply_restructure", "plan_restructure"]

#: Role assignments listed one by one in the preview (the count covers them all).
ASSIGNMENTS_SHOWN = 200
#: Columns of the events sheet, for the messages the decision checks give per field.
_DECISION_COLUMNS = {"decision_number": "I", "decision_date": "J", "effective_date": "K"}
_UNIT_COLUMNS = {"name": "E", "unit_type": "F", "ma_dinh_danh": "G", "short_name": "E", "bien_che_quota": "E",
                 "address": "E"}


# --------------------------------------------------------------------------- the plan


@dataclass
class VUnit:
    """A unit of the virtual tree: a real one (id > 0) or one the sheet creates (id < 0)."""

    id: int
    name: str
    code: str | None
    unit_type: str
    parent_id: int | None
    open: bool
    writable: bool = True
    row: int = 0  # the row that created it (0: a real unit)


@dataclass
class Step:
    """One event to carry out, its references resolved to virtual ids."""

    row: int
    kind: str
    decision: Decision
    sources: list[int] = field(default_factory=list)
    target: int | None = None
    new_units: list[tuple[int, UnitData]] = field(default_factory=list)  # (virtual id, data without parent)
    children: dict[int, int] = field(default_factory=dict)  # split: sub-unit id -> index of its new unit
    people: dict[int, int] = field(default_factory=dict)  # split: person id -> index of its new unit
    rest: int = 0  # split: index of the new unit receiving the rest
    rename: UnitData | None = None


@dataclass
class EventSummary:
    """What one row does, for the preview."""

    row: int
    number: int
    kind: str
    text: str
    moved: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        """The Vietnamese name of the event."""
        return str(EVENT_TYPES.get(self.kind, self.kind or "—"))


@dataclass
class SheetPlan:
    """The whole sheet as one plan (nothing written)."""

    events: list[EventSummary] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    opened: list[dict] = field(default_factory=list)
    closed: list[dict] = field(default_factory=list)
    moved_units: list[dict] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    assignments: list[dict] = field(default_factory=list)
    assignments_total: int = 0
    steps: list[Step] = field(default_factory=list)
    sha256: str = ""

    @property
    def errors(self) -> list[str]:
        """Every problem, with its place, in sheet order."""
        return [str(i) for i in self.issues]

    @property
    def ok(self) -> bool:
        """True when the sheet can be applied."""
        return not self.issues


class _Placed:
    """Rows placed one by one (a split's people, their accounts and grants): row -> unit, and unit -> rows, so that
    carrying a unit's members along and counting them never walks every placed row."""

    def __init__(self) -> None:
        self.where: dict[int, int] = {}
        self.rows: dict[int, set[int]] = {}

    def __contains__(self, key: int) -> bool:
        return key in self.where

    def get(self, key: int, default=None):
        return self.where.get(key, default)

    def items(self):
        return self.where.items()

    def set(self, key: int, unit: int) -> None:
        old = self.where.get(key)
        if old is not None:
            self.rows[old].discard(key)
        self.where[key] = unit
        self.rows.setdefault(unit, set()).add(key)

    def move_all(self, source: int, target: int) -> None:
        for key in self.rows.pop(source, set()):
            self.where[key] = target
            self.rows.setdefault(target, set()).add(key)

    def count(self, unit: int) -> int:
        return len(self.rows.get(unit, ()))


class _Tree:
    """The virtual tree and the members carried along, loaded once for the units the sheet names."""

    def __init__(self, actor, parsed) -> None:
        self.units: dict[int, VUnit] = {}
        self.by_code: dict[str, int] = {}
        self.closed_codes: dict[str, str] = {}
        self.children: dict[int, set[int]] = {}
        self.next_new = -1
        # Members: each real unit's rows form a group that travels with the unit it sits in.
        self.group_counts: dict[int, dict[str, int]] = {}
        self.group_at: dict[int, int] = {}
        self.groups_in: dict[int, set[int]] = {}
        # People placed one by one (a split): id -> current unit, and their accounts.
        self.person_unit = _Placed()
        self.person_orig: dict[int, int] = {}
        self.person_account: dict[int, tuple[int, int] | None] = {}  # id -> (account id, account's real unit)
        self.account_unit = _Placed()  # accounts placed one by one
        self.account_assignments: dict[int, list[tuple[int, int]]] = {}  # account -> (assignment, its real unit)
        self.assignment_unit = _Placed()  # role assignments that followed their account
        self.people_by_cccd: dict[str, int] = {}
        self._load(actor, parsed)

    # ----------------------------------------------------------------- loading (a fixed number of queries)

    def _load(self, actor, parsed) -> None:
        from app.security import scope
        from app.security.permissions import ACTION_WRITE, RESOURCE_ORG_UNIT

        ids: set[int] = set()
        codes: set[str] = set()
        refs = [r for e in parsed.events for r in (*e.sources, e.target) if r is not None]
        refs += [a.unit for a in parsed.allocations if a.unit is not None]
        for ref in refs:
            if ref.id is not None:
                ids.add(ref.id)
            elif ref.code:
                codes.add(ref.code)
        for event in parsed.events:
            codes.update(c for c in event.codes if c)
            if event.rest:
                codes.add(event.rest.upper())
        codes.update(a.to.upper() for a in parsed.allocations if a.to)
        writable = scope.unit_ids(actor, ACTION_WRITE, RESOURCE_ORG_UNIT) if actor is not None else None
        cols = [OrgUnit.id, OrgUnit.name, OrgUnit.ma_dinh_danh, OrgUnit.unit_type, OrgUnit.parent_id, OrgUnit.status,
                OrgUnit.path, (OrgUnit.id.in_(writable) if writable is not None else ~false()).label("writable")]
        conds = []
        if ids:
            conds.append(OrgUnit.id.in_(sorted(ids)))
        if codes:
            conds.append(OrgUnit.ma_dinh_danh.in_(sorted(codes)))
        named = list(db.session.execute(select(*cols).where(or_(*conds)))) if conds else []
        self.named_ids = {r.id for r in named if r.status == STATUS_ACTIVE}
        above = {int(p) for r in named for p in r.path.strip("/").split("/")[:-1]} - {r.id for r in named}
        rows = list(named)
        if above:
            rows += db.session.execute(select(*cols).where(OrgUnit.id.in_(sorted(above)))).all()
        if self.named_ids:
            rows += db.session.execute(select(*cols).where(OrgUnit.parent_id.in_(sorted(self.named_ids)),
                                                           OrgUnit.status == STATUS_ACTIVE)).all()
        for r in rows:
            if r.id in self.units:
                continue
            self.units[r.id] = VUnit(r.id, r.name, r.ma_dinh_danh, r.unit_type, r.parent_id, r.status == STATUS_ACTIVE,
                                     bool(r.writable))
            if r.ma_dinh_danh:
                if r.status == STATUS_ACTIVE:
                    self.by_code[r.ma_dinh_danh] = r.id
                else:
                    self.closed_codes.setdefault(r.ma_dinh_danh, r.name)
        # the open sub-units of every named unit are known (loaded above); others' are never needed
        for uid in self.named_ids:
            self.children[uid] = set()
        for u in self.units.values():
            if u.open and u.parent_id in self.children:
                self.children[u.parent_id].add(u.id)
        counts = member_counts(sorted(self.named_ids))
        for uid, c in counts.items():
            self.group_counts[uid] = {key: c.get(key, 0) for key in REFERENCES}
            self.group_at[uid] = uid
            self.groups_in[uid] = {uid}
        self._load_people(parsed.allocations)
        self._load_assignments()

    def _load_people(self, allocations: list[Allocation]) -> None:
        from models.accounts import Account
        from models.personnel import Person

        indexes = {blind_index(a.cccd): a.cccd for a in allocations if a.cccd}
        pids = {a.person_id for a in allocations if a.person_id}
        conds = []
        if indexes:
            conds.append(Person.cccd_index.in_(sorted(indexes)))
        if pids:
            conds.append(Person.id.in_(sorted(pids)))
        if not conds:
            return
        rows = db.session.execute(
            select(Person.id, Person.org_unit_id, Person.cccd_index, Person.account_id, Account.org_unit_id)
            .outerjoin(Account, Account.id == Person.account_id).where(or_(*conds))).all()
        for pid, unit_id, index, account_id, account_unit in rows:
            self.person_orig[pid] = unit_id
            self.person_account[pid] = (account_id, account_unit) if account_id else None
            if index in indexes:
                # two files with one CCCD: the first by id (the data-quality page lists such duplicates)
                self.people_by_cccd.setdefault(indexes[index], pid)
        accounts = sorted({a[0] for a in self.person_account.values() if a})
        ref = REFERENCES.get("role_assignments")
        if accounts and ref is not None:
            from models.accounts import RoleAssignment

            for aid, user_id, unit_id in db.session.execute(
                    select(RoleAssignment.id, RoleAssignment.user_id, RoleAssignment.org_unit_id)
                    .where(RoleAssignment.user_id.in_(accounts), *ref.conditions())):
                self.account_assignments.setdefault(user_id, []).append((aid, unit_id))

    def _load_assignments(self) -> None:
        from flask_appbuilder.security.sqla.models import Role

        from models.accounts import Account, RoleAssignment

        ref = REFERENCES.get("role_assignments")
        self.assignment_rows: list = []
        if ref is None or not self.named_ids:
            return
        self.assignment_rows = db.session.execute(
            select(RoleAssignment.id, RoleAssignment.org_unit_id, Account.username, Account.first_name,
                   Account.last_name, Role.name)
            .join(Account, Account.id == RoleAssignment.user_id).join(Role, Role.id == RoleAssignment.role_id)
            .where(RoleAssignment.org_unit_id.in_(sorted(self.named_ids)), *ref.conditions())
            .order_by(RoleAssignment.org_unit_id, RoleAssignment.id)).all()

    # ----------------------------------------------------------------- the virtual tree

    def resolve(self, ref: UnitRef) -> tuple[int | None, str | None]:
        """The open unit ``ref`` names now, or the reason it names none."""
        if ref.id is not None:
            unit = self.units.get(ref.id)
            if unit is None:
                return None, _("Không tìm thấy đơn vị có ID %(id)s.", id=ref.id)
            if not unit.open:
                return None, _("Đơn vị %(name)s đã chấm dứt hoạt động.", name=unit.name)
            return unit.id, None
        uid = self.by_code.get(ref.code or "")
        if uid is not None:
            return uid, None
        if ref.code in self.closed_codes:
            return None, _("Đơn vị %(name)s (mã %(code)s) đã chấm dứt hoạt động.", name=self.closed_codes[ref.code],
                           code=ref.code)
        return None, _("Không tìm thấy đơn vị đang hoạt động có mã định danh %(code)s.", code=ref.text)

    def name(self, uid: int | None) -> str:
        return self.units[uid].name if uid in self.units else ""

    def is_inside(self, uid: int | None, root: int) -> bool:
        """``uid`` is ``root`` or lies below it in the virtual tree."""
        seen = 0
        while uid is not None and seen < 1000:
            if uid == root:
                return True
            uid = self.units[uid].parent_id if uid in self.units else None
            seen += 1
        return False

    def counts(self, uid: int) -> dict[str, int]:
        """Rows of each reference sitting in ``uid`` now."""
        total = dict.fromkeys(REFERENCES, 0)
        for g in self.groups_in.get(uid, ()):
            for key, n in self.group_counts[g].items():
                total[key] = total.get(key, 0) + n
        total["people"] = total.get("people", 0) + self.person_unit.count(uid)
        total["accounts"] = total.get("accounts", 0) + self.account_unit.count(uid)
        total["role_assignments"] = total.get("role_assignments", 0) + self.assignment_unit.count(uid)
        return total

    def person_now(self, pid: int) -> int | None:
        if pid in self.person_unit:
            return self.person_unit.get(pid)
        return self.group_at.get(self.person_orig.get(pid))

    # ----------------------------------------------------------------- effects

    def create(self, data: UnitData, parent: int, row: int) -> int:
        uid = self.next_new
        self.next_new -= 1
        self.units[uid] = VUnit(uid, clean(data.name), data.ma_dinh_danh, data.unit_type, parent, True,
                                self.units[parent].writable, row)
        self.children[uid] = set()
        self.children.setdefault(parent, set()).add(uid)
        if data.ma_dinh_danh:
            self.by_code[data.ma_dinh_danh] = uid
        return uid

    def close(self, uid: int) -> None:
        unit = self.units[uid]
        unit.open = False
        if unit.code:
            if self.by_code.get(unit.code) == uid:
                del self.by_code[unit.code]
            if unit.code not in self.by_code:
                self.closed_codes[unit.code] = unit.name
        if unit.parent_id in self.children:
            self.children[unit.parent_id].discard(uid)

    def move(self, uid: int, parent: int) -> None:
        unit = self.units[uid]
        if unit.parent_id in self.children:
            self.children[unit.parent_id].discard(uid)
        unit.parent_id = parent
        self.children.setdefault(parent, set()).add(uid)

    def move_members(self, source: int, target: int) -> dict[str, int]:
        moved = self.counts(source)
        for g in self.groups_in.pop(source, set()):
            self.group_at[g] = target
            self.groups_in.setdefault(target, set()).add(g)
        for placed in (self.person_unit, self.account_unit, self.assignment_unit):
            placed.move_all(source, target)
        return moved

    def move_person(self, pid: int, source: int, target: int) -> dict[str, int]:
        """Place one file; its account follows when it sits in ``source`` too, with the account's role assignments
        on ``source`` (as ``references.move_people`` does). Returns the rows moved per reference."""
        moved = {"people": 1, "accounts": 0, "role_assignments": 0}
        if pid not in self.person_unit:
            self.group_counts[self.person_orig[pid]]["people"] -= 1
        self.person_unit.set(pid, target)
        account = self.person_account.get(pid)
        if account is None or not self._take(account[0], account[1], source, target, self.account_unit, "accounts"):
            return moved
        moved["accounts"] = 1
        for ra, ra_unit in self.account_assignments.get(account[0], ()):
            if self._take(ra, ra_unit, source, target, self.assignment_unit, "role_assignments"):
                moved["role_assignments"] += 1
        return moved

    def _take(self, key: int, real_unit: int, source: int, target: int, placed: dict, reference: str) -> bool:
        """Move one row from ``source`` to ``target`` when it sits in ``source`` now (out of its group the first
        time); False when it sits elsewhere."""
        if key in placed:
            if placed.get(key) != source:
                return False
        elif self.group_at.get(real_unit) != source:
            return False
        else:
            self.group_counts[real_unit][reference] -= 1
        placed.set(key, target)
        return True


def _unit_type(value: str | None, default: str) -> str | None:
    """A unit type written as its code or its Vietnamese name (``default`` when empty); None when unknown."""
    if not value:
        return default
    if value in UNIT_TYPES:
        return value
    key = search_key(value)
    for code, label in UNIT_TYPES.items():
        if key in (search_key(code.replace("_", " ")), search_key(str(label))):
            return code
    return None


class _Planner:
    """Plays the rows on the virtual tree; each row's problems are recorded on that row."""

    def __init__(self, tree: _Tree, parsed, plan: SheetPlan) -> None:
        self.tree, self.parsed, self.plan = tree, parsed, plan
        self.allocations: dict[int, list[Allocation]] = {}
        for a in parsed.allocations:
            if a.event is not None:
                self.allocations.setdefault(a.event, []).append(a)
        self.totals = dict.fromkeys(REFERENCES, 0)

    def run(self) -> None:
        kinds = {e.number: e.kind for e in self.parsed.events}
        for number, rows in self.allocations.items():
            if kinds.get(number) != "split":
                for a in rows:
                    self.plan.issues.append(Issue(ALLOCATION_SHEET, a.row, "A", _(
                        "STT %(n)s không phải một sự kiện chia tách trên trang “%(sheet)s”.", n=number,
                        sheet=EVENTS_SHEET)))
        for event in self.parsed.events:
            self.event(event)

    # ----------------------------------------------------------------- one row

    def event(self, event: EventRow) -> None:
        summary = EventSummary(event.row, event.number or 0, event.kind or "", "")
        self.plan.events.append(summary)
        issues: list[Issue] = []
        self.row_issues = issues

        def add(col: str, message: str, sheet: str = EVENTS_SHEET, row: int = event.row) -> None:
            issues.append(Issue(sheet, row, col, str(message)))

        # problems the parser found on this row come first
        parsed_issues = [i for i in self.parsed.issues if i.sheet == EVENTS_SHEET and i.row == event.row]
        errors = Errors()
        check_decision(event.decision, errors)
        for key, col in _DECISION_COLUMNS.items():
            for message in errors.of(key):
                add(col, message)
        if event.kind is None or parsed_issues:
            self._finish(summary, parsed_issues + issues)
            return
        sources: list[int] = []
        for ref in event.sources:
            uid, why = self.tree.resolve(ref)
            if uid is None:
                add("C", why)
            elif uid not in sources:
                sources.append(uid)
        target = None
        if event.target is not None:
            target, why = self.tree.resolve(event.target)
            if target is None:
                add("D", why)
        for uid in [*sources, *([target] if target is not None else [])]:
            if not self.tree.units[uid].writable:
                add("C", _("Bạn không có quyền điều chỉnh cơ cấu tổ chức của %(name)s.", name=self.tree.name(uid)))
        if len(sources) < len(event.sources) or (event.target is not None and target is None) or issues:
            self._finish(summary, issues)
            return
        for uid in sources:
            if self.tree.units[uid].parent_id is None and event.kind != "rename":
                add("C", _("Không thể %(what)s đơn vị gốc của cây tổ chức.", what=summary.kind_label.lower()))
        if issues:
            self._finish(summary, issues)
            return
        getattr(self, "_" + event.kind)(event, sources, target, add, summary)
        self._finish(summary, issues)

    def _finish(self, summary: EventSummary, issues: list[Issue]) -> None:
        summary.errors = [f"{i.where}: {i.message}" if i.sheet != EVENTS_SHEET or i.row != summary.row
                          else (f"{_('ô')} {i.column}{i.row}: {i.message}" if i.column else i.message)
                          for i in issues]
        self.plan.issues.extend(issues)

    def _count(self, summary: EventSummary, moved: dict[str, int]) -> None:
        for key, n in moved.items():
            summary.moved[key] = summary.moved.get(key, 0) + n

    def _move_members(self, source: int, target: int, summary: EventSummary) -> None:
        self._count(summary, self.tree.move_members(source, target))

    def _close(self, uid: int, successor: int | None, row: int) -> None:
        self.tree.close(uid)
        self.plan.closed.append({"row": row, "name": self.tree.name(uid), "code": self.tree.units[uid].code,
                                 "successor": self.tree.name(successor) if successor is not None else ""})

    def _move_child(self, child: int, target: int, row: int) -> None:
        before = self.tree.units[child].parent_id
        self.tree.move(child, target)
        self.plan.moved_units.append({"row": row, "name": self.tree.name(child), "from": self.tree.name(before),
                                      "to": self.tree.name(target)})

    def _new_unit(self, event: EventRow, i: int, name: str, default_type: str, add) -> UnitData | None:
        types = event.types
        written = types[i] if len(types) > 1 and i < len(types) else (types[0] if len(types) == 1 else None)
        unit_type = _unit_type(written, default_type)
        code = event.codes[i] if i < len(event.codes) else None
        data = UnitData(name=name, unit_type=unit_type or "", ma_dinh_danh=code)
        errors = Errors()
        check_unit_data(UnitData(name=name, unit_type=unit_type or ""), errors)
        bad = False
        for key in ("name", "short_name", "unit_type", "bien_che_quota", "address"):
            for message in errors.of(key):
                if key == "unit_type" and written:
                    message = _("Loại đơn vị “%(value)s” không hợp lệ.", value=written)
                add(_UNIT_COLUMNS.get(key, "E"), message)
                bad = True
        if unit_type == ROOT_TYPE:
            add("F", _("UBND Thành phố chỉ có thể là đơn vị gốc của cây tổ chức."))
            bad = True
        if code:
            if not code_is_valid(code):
                add("G", _("Mã định danh %(code)s không đúng định dạng của QĐ 20/2020/QĐ-TTg (ví dụ 000.00.00.H29, "
                           "00.09.H29 hoặc H01.151.01).", code=code))
                bad = True
            elif code in self.tree.by_code:
                add("G", _("Mã định danh %(code)s đã được dùng cho đơn vị đang hoạt động %(name)s.", code=code,
                           name=self.tree.name(self.tree.by_code[code])))
                bad = True
        return None if bad else data

    # ----------------------------------------------------------------- the kinds

    def _merge(self, event, sources, target, add, summary) -> None:
        if target is None:
            add("D", _("Hãy ghi đơn vị nhận sáp nhập."))
            return
        for uid in sources:
            if uid == target:
                add("D", _("Đơn vị nhận sáp nhập phải khác đơn vị bị sáp nhập."))
            elif self.tree.is_inside(target, uid):
                add("D", _("Không thể sáp nhập %(source)s vào đơn vị cấp dưới của chính nó.",
                           source=self.tree.name(uid)))
        if self.row_issues:
            return
        for uid in sources:
            self._close(uid, target, event.row)
            for child in sorted(self.tree.children.get(uid, ())):
                self._move_child(child, target, event.row)
            self._move_members(uid, target, summary)
        summary.text = _("Sáp nhập %(sources)s vào %(target)s", sources=self._names(sources),
                         target=self.tree.name(target))
        self.plan.steps.append(Step(event.row, "merge", event.decision, sources, target))

    def _consolidate(self, event, sources, target, add, summary) -> None:
        if len(sources) < 2:
            add("C", _("Hợp nhất cần ít nhất hai đơn vị."))
            return
        for a in sources:
            for b in sources:
                if a != b and self.tree.is_inside(b, a):
                    add("C", _("%(child)s là đơn vị cấp dưới của %(parent)s; không thể hợp nhất hai đơn vị này.",
                               child=self.tree.name(b), parent=self.tree.name(a)))
        parent = target if target is not None else self.tree.units[sources[0]].parent_id
        for s in sources:
            if self.tree.is_inside(parent, s):
                add("D", _("Đơn vị cấp trên của đơn vị mới không được nằm trong %(name)s, đơn vị sẽ chấm dứt.",
                           name=self.tree.name(s)))
        if len(event.names) != 1:
            add("E", _("Hợp nhất lập đúng một đơn vị mới: hãy ghi một tên."))
        if self.row_issues or len(event.names) != 1:
            return
        for s in sources:  # the sources' codes are free for the new unit (they close first)
            code = self.tree.units[s].code
            if code and self.tree.by_code.get(code) == s:
                del self.tree.by_code[code]
        data = self._new_unit(event, 0, event.names[0], self.tree.units[sources[0]].unit_type, add)
        if data is None:
            for s in sources:
                code = self.tree.units[s].code
                if code:
                    self.tree.by_code[code] = s
            return
        new = self.tree.create(data, parent, event.row)
        self.plan.opened.append({"row": event.row, "name": data.name, "code": data.ma_dinh_danh,
                                 "parent": self.tree.name(parent)})
        for s in sources:
            self._close(s, new, event.row)
            for child in sorted(self.tree.children.get(s, ())):
                self._move_child(child, new, event.row)
            self._move_members(s, new, summary)
        summary.text = _("Hợp nhất %(sources)s thành %(name)s", sources=self._names(sources), name=data.name)
        self.plan.steps.append(Step(event.row, "consolidate", event.decision, sources, parent,
                                    new_units=[(new, data)]))

    def _split(self, event, sources, target, add, summary) -> None:
        if len(sources) != 1:
            add("C", _("Chia tách một đơn vị mỗi dòng."))
            return
        if target is not None:
            add("D", _("Chia tách: các đơn vị mới trực thuộc cấp trên của đơn vị bị chia tách; hãy để trống ô này."))
            return
        source = sources[0]
        parent = self.tree.units[source].parent_id
        names = [n for n in event.names if n]
        if len(names) < 2:
            add("E", _("Chia tách cần ít nhất hai đơn vị mới."))
            return
        if len(event.types) > 1 and len(event.types) != len(names):
            add("F", _("Số loại đơn vị (%(n)s) không khớp số đơn vị mới (%(m)s).", n=len(event.types), m=len(names)))
        if event.codes and len(event.codes) != len(names):
            add("G", _("Số mã định danh (%(n)s) không khớp số đơn vị mới (%(m)s).", n=len(event.codes), m=len(names)))
        if self.row_issues:
            return
        own_code = self.tree.units[source].code
        if own_code and self.tree.by_code.get(own_code) == source:
            del self.tree.by_code[own_code]
        datas: list[UnitData | None] = []
        taken: set[str] = set()
        for i, name in enumerate(names):
            data = self._new_unit(event, i, name, self.tree.units[source].unit_type, add)
            if data is not None and data.ma_dinh_danh:
                if data.ma_dinh_danh in taken:
                    add("G", _("Mã định danh %(code)s bị trùng trong cùng quyết định.", code=data.ma_dinh_danh))
                    data = None
                else:
                    taken.add(data.ma_dinh_danh)
            datas.append(data)
        if own_code:
            self.tree.by_code[own_code] = source

        def index_of(text: str) -> int | None:
            if text.isdigit():
                n = int(text)
                return n - 1 if 1 <= n <= len(names) else None
            key = search_key(text)
            for i, (name, data) in enumerate(zip(names, datas, strict=True)):
                if (data is not None and data.ma_dinh_danh and data.ma_dinh_danh == text.upper()) or \
                        search_key(name) == key:
                    return i
            return None

        rest = index_of(event.rest) if event.rest else 0
        if rest is None:
            add("H", _("“%(value)s” không phải một trong các đơn vị mới của dòng này.", value=event.rest))
        children: dict[int, int] = {}
        people: dict[int, int] = {}
        for a in self.allocations.get(event.number, []):
            def wrong(col: str, message: str, a=a) -> None:
                add(col, message, ALLOCATION_SHEET, a.row)

            idx = index_of(a.to) if a.to else None
            if a.to and idx is None:
                wrong("E", _("“%(value)s” không phải một trong các đơn vị mới của sự kiện %(n)s.", value=a.to,
                             n=event.number))
            if a.unit is not None:
                uid, why = self.tree.resolve(a.unit)
                if uid is None:
                    wrong("D", why)
                elif uid not in self.tree.children.get(source, set()):
                    wrong("D", _("%(name)s không phải đơn vị trực thuộc đang hoạt động của %(source)s.",
                                 name=self.tree.name(uid), source=self.tree.name(source)))
                elif uid in children:
                    wrong("D", _("Đơn vị %(name)s được phân bổ hai lần.", name=self.tree.name(uid)))
                elif idx is not None:
                    children[uid] = idx
                continue
            if a.cccd is not None or a.person_id is not None:
                pid = self.tree.people_by_cccd.get(a.cccd) if a.cccd else a.person_id
                col = "B" if a.cccd else "C"
                shown = a.cccd if a.cccd else a.person_id
                if pid is None or pid not in self.tree.person_orig:
                    wrong(col, _("Không tìm thấy hồ sơ có %(what)s %(value)s.",
                                 what=_("số CCCD") if a.cccd else _("mã hồ sơ"), value=shown))
                elif self.tree.person_now(pid) != source:
                    wrong(col, _("Người có %(what)s %(value)s không thuộc đơn vị bị chia tách %(name)s.",
                                 what=_("số CCCD") if a.cccd else _("mã hồ sơ"), value=shown,
                                 name=self.tree.name(source)))
                elif pid in people:
                    wrong(col, _("Người có %(what)s %(value)s được phân bổ hai lần.",
                                 what=_("số CCCD") if a.cccd else _("mã hồ sơ"), value=shown))
                elif idx is not None:
                    people[pid] = idx
        if self.row_issues or any(d is None for d in datas) or rest is None:
            return
        new_ids = [self.tree.create(d, parent, event.row) for d in datas]
        for d in datas:
            self.plan.opened.append({"row": event.row, "name": d.name, "code": d.ma_dinh_danh,
                                     "parent": self.tree.name(parent)})
        self._close(source, None, event.row)
        for child in sorted(self.tree.children.get(source, ())):
            self._move_child(child, new_ids[children.get(child, rest)], event.row)
        for pid, idx in people.items():
            self._count(summary, self.tree.move_person(pid, source, new_ids[idx]))
        self._move_members(source, new_ids[rest], summary)
        summary.text = _("Chia tách %(source)s thành %(names)s", source=self.tree.name(source),
                         names="; ".join(d.name for d in datas))
        self.plan.steps.append(Step(event.row, "split", event.decision, [source], None,
                                    new_units=list(zip(new_ids, datas, strict=True)), children=children,
                                    people=people, rest=rest))

    def _move(self, event, sources, target, add, summary) -> None:
        if target is None:
            add("D", _("Hãy ghi đơn vị cấp trên mới."))
            return
        for uid in sources:
            if self.tree.is_inside(target, uid):
                add("D", _("Không thể chuyển %(unit)s vào %(parent)s vì %(parent)s là chính nó hoặc đơn vị cấp dưới "
                           "của nó.", unit=self.tree.name(uid), parent=self.tree.name(target)))
            elif self.tree.units[uid].parent_id == target:
                add("D", _("Đơn vị %(unit)s đã trực thuộc %(parent)s.", unit=self.tree.name(uid),
                           parent=self.tree.name(target)))
        if self.row_issues:
            return
        for uid in sources:
            self._move_child(uid, target, event.row)
        summary.text = _("Chuyển %(sources)s về trực thuộc %(target)s", sources=self._names(sources),
                         target=self.tree.name(target))
        self.plan.steps.append(Step(event.row, "move", event.decision, sources, target))

    def _rename(self, event, sources, target, add, summary) -> None:
        if len(sources) != 1:
            add("C", _("Đổi tên một đơn vị mỗi dòng."))
            return
        uid = sources[0]
        unit = self.tree.units[uid]
        if len(event.names) > 1 or len(event.codes) > 1:
            add("E", _("Đổi tên: ghi một tên mới."))
            return
        name = event.names[0] if event.names else unit.name
        code = event.codes[0] if event.codes else unit.code
        written = event.types[0] if event.types else None
        unit_type = _unit_type(written, unit.unit_type)
        if name == unit.name and code == unit.code and unit_type == unit.unit_type:
            add("E", _("Không có thay đổi nào để lưu."))
            return
        if unit.code and self.tree.by_code.get(unit.code) == uid:
            del self.tree.by_code[unit.code]
        event_copy = EventRow(event.row, event.number, event.kind, names=[name], types=[unit_type or written or ""],
                              codes=[code])
        if unit.parent_id is None:
            data = UnitData(name=name, unit_type=unit_type or "", ma_dinh_danh=code)
            if unit_type != ROOT_TYPE:
                add("F", _("Đơn vị gốc phải có loại UBND Thành phố."))
                data = None
        else:
            data = self._new_unit(event_copy, 0, name, unit.unit_type, add)
        if unit.code:
            self.tree.by_code[unit.code] = uid
        if data is None:
            return
        summary.text = _("Đổi tên %(old)s thành %(new)s", old=unit.name, new=name)
        if unit.code and self.tree.by_code.get(unit.code) == uid:
            del self.tree.by_code[unit.code]
        unit.name, unit.code, unit.unit_type = name, code, data.unit_type
        if code:
            self.tree.by_code[code] = uid
        self.plan.steps.append(Step(event.row, "rename", event.decision, [uid], rename=data))

    def _dissolve(self, event, sources, target, add, summary) -> None:
        for uid in sources:
            if target is not None and self.tree.is_inside(target, uid):
                add("D", _("Đơn vị tiếp nhận không được là %(name)s hoặc đơn vị cấp dưới của nó.",
                           name=self.tree.name(uid)))
            elif target is None:
                kids = self.tree.children.get(uid, set())
                members = self.tree.counts(uid)
                if kids or any(members.values()):
                    add("D", _("%(name)s còn %(units)s đơn vị trực thuộc và %(members)s tài khoản/nhân sự; hãy chọn "
                               "đơn vị tiếp nhận.", name=self.tree.name(uid), units=len(kids),
                               members=sum(members.values())))
        if self.row_issues:
            return
        for uid in sources:
            self._close(uid, None, event.row)
            if target is not None:
                for child in sorted(self.tree.children.get(uid, ())):
                    self._move_child(child, target, event.row)
                self._move_members(uid, target, summary)
        summary.text = _("Giải thể %(sources)s", sources=self._names(sources)) + (
            _(", đơn vị tiếp nhận: %(target)s", target=self.tree.name(target)) if target is not None else "")
        self.plan.steps.append(Step(event.row, "dissolve", event.decision, sources, target))

    def _names(self, ids: list[int]) -> str:
        return ", ".join(self.tree.name(i) for i in ids)


def _totals(tree: _Tree, plan: SheetPlan) -> None:
    """Rows that end in another unit than today's, each counted once however many events carried it; the role
    assignments that follow, with where they end."""
    totals = dict.fromkeys(REFERENCES, 0)
    for orig, where in tree.group_at.items():
        if where != orig:
            for key, n in tree.group_counts[orig].items():
                totals[key] = totals.get(key, 0) + n
    totals["people"] = totals.get("people", 0) + sum(
        1 for pid, where in tree.person_unit.items() if where != tree.person_orig.get(pid))
    account_orig = {a[0]: a[1] for a in tree.person_account.values() if a}
    totals["accounts"] = totals.get("accounts", 0) + sum(
        1 for aid, where in tree.account_unit.items() if where != account_orig.get(aid))
    assignment_orig = {ra: unit for pairs in tree.account_assignments.values() for ra, unit in pairs}
    totals["role_assignments"] = totals.get("role_assignments", 0) + sum(
        1 for ra, where in tree.assignment_unit.items() if where != assignment_orig.get(ra))
    plan.totals = totals
    for aid, unit_id, username, first, last, role in tree.assignment_rows:
        where = tree.assignment_unit.get(aid, tree.group_at.get(unit_id, unit_id))
        if where == unit_id:
            continue
        plan.assignments_total += 1
        if len(plan.assignments) < ASSIGNMENTS_SHOWN:
            plan.assignments.append({"id": aid, "user": f"{last} {first}".strip(), "username": username, "role": role,
                                     "from": tree.name(unit_id), "to": tree.name(where)})


def plan_restructure(actor, content: bytes) -> SheetPlan:
    """Read a mapping sheet and play it on a virtual tree: the whole plan and every problem; writes nothing."""
    plan = SheetPlan(sha256=hashlib.sha256(content or b"").hexdigest())
    parsed = parse_sheet(content)
    if any(i.row == 0 or i.row == 1 for i in parsed.issues):  # the file or a sheet as a whole
        plan.issues = list(parsed.issues)
        return plan
    tree = _Tree(actor, parsed)
    _Planner(tree, parsed, plan).run()
    seen = set(plan.issues)
    plan.issues.extend(i for i in parsed.issues if i not in seen)
    order = {EVENTS_SHEET: 0, ALLOCATION_SHEET: 1}
    plan.issues.sort(key=lambda i: (order.get(i.sheet, 2), i.row, i.column))
    _totals(tree, plan)
    return plan


# --------------------------------------------------------------------------- applying


@use_case
def apply_restructure(actor, content: bytes) -> SheetPlan:
    """Carry out a whole mapping sheet in one transaction through the restructuring use cases; a sheet with any
    problem, or a failure at any row, changes nothing."""
    plan = plan_restructure(actor, content)
    if not plan.ok:
        raise ValidationError({"file": plan.errors})
    real: dict[int, int] = {}

    def rid(uid: int | None) -> int | None:
        return real.get(uid, uid) if uid is not None else None

    for step in plan.steps:
        try:
            _apply_step(step, actor, rid, real)
        except ValidationError as exc:
            raise ValidationError({"file": [_("Dòng %(row)s: %(message)s", row=step.row, message=m)
                                            for m in exc.messages]}) from exc
        except ServiceError as exc:
            exc.messages = [_("Dòng %(row)s: %(message)s", row=step.row, message=m) for m in exc.messages]
            raise
    from app.security import scope

    scope.forget()
    after_commit(_log_applied, actor, {
        "sha256": plan.sha256, "events": len(plan.steps), "opened": len(plan.opened), "closed": len(plan.closed),
        **{f"moved_{k}": v for k, v in plan.totals.items()}})
    return plan


def _log_applied(actor, detail: dict) -> None:
    """The access log's line of an applied sheet (once committed): who, the file's digest, what it did."""
    from app import audit

    audit.log_access("org_restructured", user=actor, object_type="OrgEvent", detail=detail)


def _apply_step(step: Step, actor, rid, real: dict[int, int]) -> None:
    decision = step.decision
    if step.kind == "merge":
        for source in step.sources:
            uc.merge_units(rid(source), rid(step.target), decision, actor)
    elif step.kind == "move":
        for source in step.sources:
            uc.move_unit(rid(source), rid(step.target), decision, actor)
    elif step.kind == "dissolve":
        for source in step.sources:
            uc.dissolve_unit(rid(source), rid(step.target), decision, actor)
    elif step.kind == "consolidate":
        (new_id, data), = step.new_units
        event = uc.consolidate_units([rid(s) for s in step.sources], _with_parent(data, rid(step.target)), decision,
                                     actor)
        real[new_id] = event.details["created_units"][0]
    elif step.kind == "split":
        source = rid(step.sources[0])
        unit = db.session.get(OrgUnit, source)
        kids = db.session.scalars(select(OrgUnit.id).where(OrgUnit.parent_id == source,
                                                           OrgUnit.status == STATUS_ACTIVE)).all()
        children = {str(k): step.children.get(_virtual(k, real), step.rest) for k in kids}
        event = uc.split_unit(source, [_with_parent(d, unit.parent_id) for _v, d in step.new_units], children,
                              step.rest, decision, actor=actor, people_targets=step.people)
        for (new_id, _data), created in zip(step.new_units, event.details["created_units"], strict=True):
            real[new_id] = created
    elif step.kind == "rename":
        unit = db.session.get(OrgUnit, rid(step.sources[0]))
        data = step.rename
        uc.update_unit(unit.id, UnitData(
            name=data.name, short_name=unit.short_name, unit_type=data.unit_type, parent_id=unit.parent_id,
            ma_dinh_danh=data.ma_dinh_danh, bien_che_quota=unit.bien_che_quota, address=unit.address,
            valid_from=unit.valid_from), decision, actor)


def _virtual(unit_id: int, real: dict[int, int]) -> int:
    """The id the plan knows a unit by (a unit created by an earlier row has a negative one)."""
    for virtual, created in real.items():
        if created == unit_id:
            return virtual
    return unit_id


def _with_parent(data: UnitData, parent_id: int | None) -> UnitData:
    return UnitData(name=data.name, unit_type=data.unit_type, parent_id=parent_id, ma_dinh_danh=data.ma_dinh_danh)
