"""``make load``'s scenario (issue 20 item 6), small: one user of each kind for a few seconds against the live test
app on the demo city — every operation runs, none fails, and ``bench/load.json``'s shape is written.

locust runs in a process of its own (``bench.load.run_locust``: gevent's monkey-patching stays out of pytest); the
accounts and the approvers' work are made by the same ``bench.load_accounts.prepare`` as for the bench city. Bulk
decisions run in the request (``inline_exports``: no RQ worker here)."""

import json

from bench.load import NOT_PAGES, run_locust, summarize
from bench.load_accounts import pool_sizes, prepare
from models.personnel import ChangeSet
from tests.clients import count

#: Every operation of bench/locustfile.py.
OPERATIONS = {
    "login page", "login",
    "staff: my file", "staff: edit form", "staff: save section", "staff: draft", "staff: attach proof",
    "staff: submit",
    "officer: people list", "officer: people list, page n", "officer: search by name", "officer: open person",
    "approver: inbox", "approver: open change set", "approver: approve", "approver: bulk approve",
    "approver: bulk status",
    "viewer: dashboard", "viewer: BM02", "viewer: data quality", "viewer: salary report", "viewer: compliance",
}
PASSWORD = "Tai@CuoiThang2026"


def test_pool_sizes_cover_the_shares():
    """At least as many accounts of each kind as locust starts users of that kind (60/20/12/8)."""
    assert pool_sizes(50) == {"staff": 31, "officer": 11, "approver": 7, "viewer": 5}
    assert all(n >= 2 for n in pool_sizes(1).values())


def test_load_scenario_runs_every_operation_without_errors(app, demo_people, live_server, inline_exports,
                                                           tmp_path):
    db = demo_people
    accounts = prepare(users=2, root_name="Sở Y tế", admin="sonoivu.admin", password=PASSWORD,
                       pending_per_unit=8, log=lambda _m: None)
    assert accounts["staff"] and accounts["officer"] and accounts["approver"] and accounts["viewer"]
    waiting = count(db, ChangeSet, ChangeSet.status == "submitted")
    assert waiting >= 8
    # Idempotent: a second preparation finds everything made and submits nothing more.
    assert prepare(users=2, root_name="Sở Y tế", admin="sonoivu.admin", password=PASSWORD, pending_per_unit=8,
                   log=lambda _m: None) == accounts
    assert count(db, ChangeSet, ChangeSet.status == "submitted") == waiting
    db.session.remove()

    accounts_file = tmp_path / "accounts.json"
    accounts_file.write_text(json.dumps(accounts, ensure_ascii=False))
    prefix = run_locust(live_server, accounts_file, users=4, seconds=10, spawn_rate=4, wait="0.1,0.3",
                        out_dir=tmp_path, fixed_one_each=True, timeout=60)
    result = summarize(prefix, users=4, seconds=10)
    out = tmp_path / "load.json"
    out.write_text(json.dumps(result))
    data = json.loads(out.read_text())

    assert data["errors"] == 0, (data["failures"], (tmp_path / "locust.log").read_text()[-2000:])
    assert set(data["operations"]) == OPERATIONS, set(data["operations"]) ^ OPERATIONS
    assert {"users", "seconds", "errors", "p95_ms_max", "operations"} <= set(data)
    for name, op in data["operations"].items():
        assert set(op) >= {"rps", "p50_ms", "p95_ms", "p99_ms", "errors"}, name
        assert op["requests"] > 0 and op["errors"] == 0 and op["p95_ms"] > 0, (name, op)
    assert data["p95_ms_max"] == max(op["p95_ms"] for name, op in data["operations"].items()
                                     if name not in NOT_PAGES)
    # The scenario did real work: submissions by the staff, decisions by the approver.
    db.session.expire_all()
    assert count(db, ChangeSet, ChangeSet.status == "approved") >= 4
