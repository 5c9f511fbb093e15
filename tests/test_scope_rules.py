"""One place per scope rule (issue 14 item 1): the subtree test, "in force on this day" for dated grants and
"who holds an authority over these units" each have one home, and the workflow and the reminders both follow it.

Homes: ``models.org_units.Subtree`` (``covers`` in Python, ``condition`` in SQL), ``models.mixins.InForceMixin``
(``in_force(day)``, a hybrid: Python on a row, SQL on the class), ``app.security.scope.delegations_in_force``
(the delegation rule, HN-6.4) and ``app.security.scope.holders`` / ``authority_grants`` (the workflow's
``can_act`` and ``authority_units``, and the reminders' recipients).
"""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import false, literal, select, text

from app import workflow
from app.security import scope
from app.services.errors import ForbiddenError
from jobs.reminders import run_reminders
from models.accounts import ConsentGrant, Delegation, RoleAssignment
from models.org_units import OrgUnit, Subtree
from tests.factories import account
from tests.test_reminders import at, delegation, may_act, officer_change, pending_step, use_profile

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("app", "views", "jobs", "models")
#: Not the product: the stand-in national server (its own small Flask app; its "paths" are URLs).
NOT_SOURCES = ("app/national_stub/",)


def _source_lines():
    """(relative path, line number, line) of every Python line of the app's packages."""
    for package in SOURCES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(NOT_SOURCES):
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                yield rel, n, line


def _matches(pattern: str, skip: tuple[str, ...] = ()) -> list[str]:
    rx = re.compile(pattern)
    return [f"{rel}:{n}: {line.strip()}" for rel, n, line in _source_lines()
            if rx.search(line) and not any(s in line for s in skip)]


# --------------------------------------------------------------------------- one definition each


def test_one_definition_of_the_subtree_test():
    """Issue 14: the subtree condition is written once — ``Subtree.condition`` (a prefix LIKE on the path) and
    ``Subtree.covers`` (``str.startswith`` on the path); no module spells ``path LIKE x%`` or
    ``path.startswith`` itself (URL paths of the request are not unit paths)."""
    likes = _matches(r"""\.like\([^)]*\+\s*["']%["']""")
    assert len(likes) == 1 and likes[0].startswith("models/org_units.py:"), likes
    starts = _matches(r"path\w*\)?\.startswith\(|\.startswith\([^)]*path", skip=("request.path",))
    assert len(starts) == 1 and starts[0].startswith("models/org_units.py:"), starts
    assert len(_matches(r"^\s*class Subtree\b")) == 1


def test_one_definition_of_in_force():
    """Issue 14: "in force on this day" for dated grants (role assignments, consents, delegations) is
    ``InForceMixin.in_force`` alone: nobody else compares ``valid_from <= day`` / ``valid_to >= day``.
    (``app/services/code_lists.py`` dates national code-list entries, not grants: its own, open-ended rule.)"""
    defs = _matches(r"^\s*def in_force\(")
    assert len(defs) == 2 and all(d.startswith("models/mixins.py:") for d in defs), defs  # Python + SQL form
    # "Has started" (``valid_from <= day``) is the half every in-force test needs; "not ended" alone is a status.
    started = r"valid_from\s*<=\s*\(?\w*(day|today|on)\b|\b(day|today|on)\(?\)?\s*>=\s*[\w.]*valid_from"
    starts = [m for m in _matches(started)
              if not m.startswith(("models/mixins.py:", "app/services/code_lists.py:"))]
    assert starts == [], starts
    assert not _matches(r"^class _Place\b"), "workflow places are scope.Grant"
    assert not _matches(r"def _holders\(|def _valid\(|def _covers\("), "the reminders use scope.holders"


# --------------------------------------------------------------------------- the two forms agree


def test_in_force_python_and_sql_agree_on_edge_days(app, demo):
    """HN-6.4, HN-8.3: a grant is in force from its first day to its last day inclusive, never once revoked
    (even revoked on its first day); an assignment without end stays in force. Python and SQL agree."""
    db = demo
    head, staff = account(db, "syt.thutruong"), account(db, "xem.baocao")
    unit = head.org_unit
    first, last = date(2026, 3, 2), date(2026, 3, 6)
    live = Delegation(delegator_id=head.id, delegate_id=staff.id, org_unit_id=unit.id, action="approve",
                      include_descendants=True, document_number="UQ-1", valid_from=first, valid_to=last)
    revoked = Delegation(delegator_id=head.id, delegate_id=staff.id, org_unit_id=unit.id, action="approve",
                         include_descendants=True, document_number="UQ-2", valid_from=first, valid_to=last,
                         revoked_at=datetime(2026, 3, 2, 8, tzinfo=UTC))
    one_day = ConsentGrant(grantee_id=staff.id, org_unit_id=unit.id, purpose="Thẩm tra", document_number="CV-1",
                           valid_from=first, valid_to=first)
    endless = RoleAssignment(user_id=staff.id, role_id=db.session.scalar(select(RoleAssignment.role_id).limit(1)),
                             org_unit_id=unit.id, include_descendants=True, valid_from=first, valid_to=None)
    db.session.add_all([live, revoked, one_day, endless])
    db.session.flush()
    expected = {
        date(2026, 3, 1): (False, False, False, False),
        first: (True, False, True, True),
        date(2026, 3, 4): (True, False, False, True),
        last: (True, False, False, True),
        date(2026, 3, 7): (False, False, False, True),
        date(2030, 1, 1): (False, False, False, True),
    }
    for day, want in expected.items():
        rows = (live, revoked, one_day, endless)
        python = tuple(row.in_force(day) for row in rows)
        sql = tuple(db.session.scalar(select(type(row).id).where(type(row).id == row.id, type(row).in_force(day)))
                    is not None for row in rows)
        assert python == sql == want, (day, python, sql)
        assert tuple(row.is_valid_on(day) for row in rows) == want
    db.session.rollback()


def test_subtree_python_and_sql_agree_and_use_the_index(app, demo, unit_by_name):
    """HN-3.9: a unit is in its own subtree and in its ancestors' subtrees, never in a sibling's — even when
    the sibling's path shares the prefix (``/1/17/`` does not cover ``/1/170/``); Python and SQL agree on
    every unit of the demo city, and the SQL form stays a prefix match the ``text_pattern_ops`` index serves."""
    db = demo
    assert Subtree("/1/17/").covers("/1/17/") and Subtree("/1/17/").covers("/1/17/230/")
    assert not Subtree("/1/17/").covers("/1/170/") and not Subtree("/1/17/230/").covers("/1/17/")
    for path, want in (("/1/17/", True), ("/1/17/230/", True), ("/1/170/", False), ("/1/", False)):
        assert db.session.scalar(select(Subtree("/1/17/").condition(literal(path)))) is want, path
    units = list(db.session.scalars(select(OrgUnit)))
    for root in [unit_by_name("Sở Y tế"), units[0], units[-1]]:
        in_sql = set(db.session.scalars(select(OrgUnit.id).where(Subtree.of(root).condition())))
        assert in_sql == {u.id for u in units if Subtree.of(root).covers(u)}
        assert root.id in in_sql and len(in_sql) >= 1
    with db.session.begin_nested():
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        stmt = select(OrgUnit.id).where(Subtree("/1/17/").condition())
        compiled = stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
        plan = "\n".join(db.session.scalars(text(f"EXPLAIN {compiled}")))
    assert "ix_org_unit_path" in plan, plan
    db.session.rollback()


# --------------------------------------------------------------------------- one delegation rule, two readers


def test_delegation_rule_changed_in_one_place_moves_workflow_and_reminders(app, demo, monkeypatch):
    """HN-6.4, HN-7: the delegate of a head may approve and is reminded of the month's window. Make
    delegations count nowhere in their one home (``scope.delegations_in_force``): the workflow refuses the
    delegate, the inbox no longer shows them the file, and the reminders no longer remind them — while the
    head keeps both. Put the rule back: the delegate acts and is reminded again."""
    use_profile(app, monkeypatch, "hanoi")
    db = demo
    unit = account(db, "syt.thutruong").org_unit
    delegation(db, "syt.thutruong", "xem.baocao", unit, date(2026, 1, 1), date(2026, 3, 31))
    at(monkeypatch, date(2026, 1, 20))
    person, cs = officer_change(db, "annv.syt", cccd="001080012345")
    step = pending_step(db, cs)
    day = date(2026, 1, 27)  # the first day of January's window

    def reminded(kind="window_open"):
        db.session.expire_all()
        return set(db.session.scalars(text(
            "SELECT u.username FROM notification n JOIN ab_user u ON u.id = n.user_id WHERE n.kind = :k"),
            {"k": kind}))

    rule = scope.delegations_in_force
    monkeypatch.setattr(scope, "delegations_in_force", lambda _day: false())
    scope.forget()
    assert may_act(monkeypatch, db, "xem.baocao", step, person, day) is False
    assert may_act(monkeypatch, db, "syt.thutruong", step, person, day) is True
    monkeypatch.setattr(scope, "today", lambda: day)
    scope.forget()
    delegate = account(db, "xem.baocao")
    with pytest.raises(ForbiddenError):
        workflow.check_can_act(delegate, db.session.get(type(cs), cs.id))
    assert workflow.authority_units(delegate, workflow.active_profile().authority(step.authority)) == []
    run_reminders(day)
    assert "xem.baocao" not in reminded() and "syt.thutruong" in reminded()

    monkeypatch.setattr(scope, "delegations_in_force", rule)
    scope.forget()
    assert may_act(monkeypatch, db, "xem.baocao", step, person, day) is True
    monkeypatch.setattr(scope, "today", lambda: day)
    scope.forget()
    places = workflow.authority_units(account(db, "xem.baocao"), workflow.active_profile().authority(step.authority))
    assert [p.delegator_id for p in places] == [account(db, "syt.thutruong").id]
    assert workflow.can_act(account(db, "xem.baocao"), step, person) == (True, account(db, "syt.thutruong").id)
    counts = run_reminders(date(2026, 1, 28))
    assert counts["window_open"] == 1 and "xem.baocao" in reminded()
