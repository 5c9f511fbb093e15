"""The ``use_case`` wrapper's after-commit hook (issue 14, item 3; design.md §4: a job is queued only after the
DB commit that wrote what it reads), and the services that queue their jobs through it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services.errors import ValidationError, after_commit, use_case
from models.org_units import OrgUnit


def _unit(name: str) -> OrgUnit:
    return OrgUnit(name=name, unit_type="so_nganh", path="/", level=1, status="active", search_key="x")


def _unit_count(db) -> int:
    return len(db.session.scalars(select(OrgUnit.id)).all())


def test_hooks_run_once_the_outermost_use_case_committed(db):
    """A hook registered in a nested use case runs after the outermost commit (and sees the committed rows from
    another connection), once, in registration order; its result is kept on the pending call."""
    seen: list = []

    @use_case
    def inner():
        unit = _unit("Đơn vị thử")
        db.session.add(unit)
        db.session.flush()
        after_commit(seen.append, "inner")
        return unit

    @use_case
    def outer():
        pending = after_commit(lambda: seen.append("outer") or "kết quả")
        unit = inner()
        assert seen == []  # nothing runs before the commit
        return pending, unit.id

    pending, unit_id = outer()
    assert seen == ["outer", "inner"] and pending.done and pending.result == "kết quả"
    with db.engine.connect() as other:
        assert other.scalar(select(OrgUnit.id).where(OrgUnit.id == unit_id)) == unit_id


def test_hooks_are_dropped_on_rollback(db):
    """A use case that fails rolls back and runs none of its hooks."""
    seen: list = []
    before = _unit_count(db)

    @use_case
    def failing():
        db.session.add(_unit("Không lưu"))
        after_commit(seen.append, "never")
        raise ValidationError({"name": ["Sai."]})

    with pytest.raises(ValidationError):
        failing()
    assert seen == [] and _unit_count(db) == before


def test_a_hook_may_run_use_cases_of_its_own(db):
    """A hook runs outside the use case: a use case it calls is a transaction of its own (it commits), as an
    in-process job does when Redis is not configured."""
    committed: list = []

    @use_case
    def job_body():
        db.session.add(_unit("Do việc nền tạo"))
        db.session.flush()
        after_commit(committed.append, "job")

    @use_case
    def request():
        after_commit(job_body)

    request()
    assert committed == ["job"]


def test_after_commit_outside_a_use_case_is_a_bug(db):
    """Registering a hook with no use case running raises (nothing would ever run it)."""
    with pytest.raises(RuntimeError):
        after_commit(print)


def test_rebuild_paths_is_queued_after_the_commit(app, demo, unit_by_name, monkeypatch):
    """``flask org-units rebuild-paths --background`` goes through the service, which queues the job by name after
    the commit (in-process without Redis: it has run when the command prints)."""
    from app.services import org_units

    monkeypatch.setitem(app.extensions, "rq_queue", None)
    unit = unit_by_name("Khoa Cấp cứu")
    unit.path = "/x/"
    demo.session.commit()
    pending = org_units.request_rebuild_paths()
    assert pending.done and pending.result.return_value() == 1
    result = app.test_cli_runner().invoke(args=["org-units", "rebuild-paths", "--background"])
    assert result.exit_code == 0 and "job inline queued" in result.output, result.output
