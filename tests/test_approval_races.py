"""Two decisions on one change set at the same moment (issue 13, item 10), with real concurrency: the app is served
by a threaded server and two threads POST their decisions through HTTP right after a barrier.

Every trial must end with the change set decided once: one response says it was decided, the other gets the
Vietnamese "Hồ sơ đã được xử lý" (409, never a 500), exactly one file version is written and the work-history row
is inserted once (HN-6.4: the head or a delegate approves; design.md §4: the workflow is the only writer of the
status). ``RACE_TRIALS`` (default 50) sets the number of trials of the approve/approve race.
"""

from __future__ import annotations

import html
import http.client
import os
import threading
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from app.services import personnel as svc
from models.personnel import ChangeSet, FileVersion, WorkRecord
from tests.factories import account, use_profile

TRIALS = int(os.environ.get("RACE_TRIALS", "50"))
ALREADY = "đã được xử lý"
HEADS = ("syt.thutruong", "sonoivu.giamdoc")  # both approve files of Sở Y tế's units under the HN profile


@pytest.fixture(autouse=True)
def code_lists(codes):
    """The national code lists (the checks of a save read them)."""


class Browser:
    """A minimal HTTP client with its own session cookie (one browser tab)."""

    def __init__(self, base: str, cookie: str | None = None):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.cookie = cookie
        self.conn: http.client.HTTPConnection | None = None

    def copy(self) -> Browser:
        """Another tab of the same browser: the same session cookie."""
        return Browser(f"http://{self.host}:{self.port}", self.cookie)

    def connect(self) -> None:
        """Open the connection ahead of time, so the request leaves as soon as it is sent."""
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.conn.connect()

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str, str]:
        """(status, Location, body) of one request; the session cookie is kept."""
        if self.conn is None:
            self.connect()
        headers = {"Cookie": f"session={self.cookie}"} if self.cookie else {}
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        for header in resp.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            if "session" in jar:
                self.cookie = jar["session"].value
        self.conn.close()
        self.conn = None
        return resp.status, resp.headers.get("Location", ""), html.unescape(text)

    def login(self, username: str) -> Browser:
        status, _location, _body = self.request("POST", "/login/", {"username": username, "password": "Demo@2026"})
        assert status == 302 and self.cookie
        return self


def submitted_changes(db, unit, n: int) -> list[tuple[int, int]]:
    """``n`` files in ``unit``, each with one added work-history row submitted by the TCCB officer on the person's
    behalf: [(person id, change set id)]."""
    officer = account(db, "syt.tccb")
    made = []
    for i in range(n):
        cccd = f"0010800{i:05d}"
        person = svc.create_person(officer, {"org_unit_id": unit.id, "category": "cong_chuc", "gender": "nam",
                                             "full_name": f"Lê Văn Thử {i}", "birth_date": "05/03/1980",
                                             "cccd": cccd})
        svc.save_section(officer, person.id, "work", {"start": "2005", "unit_name": f"Đơn vị cũ {i}"})
        cs = svc.submit(officer, person.id, f"Đề nghị {i}")
        made.append((person.id, cs.id))
    return made


def race(tabs: list[Browser], requests: list[tuple[str, dict]]) -> list[tuple[int, str, str]]:
    """Send one request per tab at the same moment (a barrier after connecting); their responses in order."""
    barrier = threading.Barrier(len(tabs))
    results: list = [None] * len(tabs)

    def run(i):
        tabs[i].connect()
        barrier.wait()
        try:
            results[i] = tabs[i].request("POST", *requests[i])
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[i] = (0, "", repr(exc))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(tabs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    return results


def file_state(db, person_id: int, cs_id: int) -> tuple[str, int, int, int]:
    """(change set status, versions of the file, versions written by this change set, work-history rows)."""
    db.session.expire_all()
    status = db.session.scalar(select(ChangeSet.status).where(ChangeSet.id == cs_id))
    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    versions = count(FileVersion, FileVersion.person_id == person_id)
    mine = count(FileVersion, FileVersion.change_set_id == cs_id)
    rows = count(WorkRecord, WorkRecord.person_id == person_id)
    return status, versions, mine, rows


def outcome(result) -> str:
    """'won' (302 back to the inbox), 'lost' (409 "đã được xử lý") or what went wrong."""
    status, location, body = result
    if status == 302 and "/people/changes/" in location:
        return "won"
    if status == 409 and ALREADY in body:
        return "lost"
    return f"unexpected {status}: {body[:300]}"


def test_two_approvals_of_one_change_set_apply_it_once(app, demo, live_server, unit_by_name, monkeypatch):
    """Two heads (even trials) or one head in two tabs (odd trials) approve the same change set at the same
    moment: one approval, one version, one work-history row; the other is told "Hồ sơ đã được xử lý" (409)."""
    use_profile(app, monkeypatch, "hanoi")
    made = submitted_changes(demo, unit_by_name("Khoa Cấp cứu"), TRIALS)
    heads = [Browser(live_server).login(name) for name in HEADS]
    failures = []
    for n, (person_id, cs_id) in enumerate(made):
        tabs = [heads[0].copy(), heads[1].copy()] if n % 2 == 0 else [heads[0].copy(), heads[0].copy()]
        path = f"/people/changes/{cs_id}/approve"
        results = race(tabs, [(path, {"approve-comment": f"Đồng ý {n}"})] * 2)
        outcomes = sorted(outcome(r) for r in results)
        state = file_state(demo, person_id, cs_id)
        if outcomes != ["lost", "won"] or state != ("approved", 2, 1, 1):
            failures.append((n, outcomes, state))
            continue
        winner = tabs[[outcome(r) for r in results].index("won")]
        _status, _location, page = winner.request("GET", results[0][1] or results[1][1])
        if "Đã phê duyệt" not in page:
            failures.append((n, "the winner is not told it approved", state))
    assert not failures, f"{len(failures)} of {TRIALS} trials went wrong: {failures[:5]}"


def test_approval_racing_a_return_decides_once(app, demo, live_server, unit_by_name, monkeypatch):
    """One head approves while the other returns the same change set: one of them wins, the other is told
    "Hồ sơ đã được xử lý" (409); the file is updated once (approved) or not at all (returned)."""
    use_profile(app, monkeypatch, "hanoi")
    trials = max(TRIALS // 2, 1)
    made = submitted_changes(demo, unit_by_name("Khoa Cấp cứu"), trials)
    heads = [Browser(live_server).login(name) for name in HEADS]
    failures, seen = [], set()
    for n, (person_id, cs_id) in enumerate(made):
        tabs = [heads[n % 2].copy(), heads[(n + 1) % 2].copy()]
        results = race(tabs, [(f"/people/changes/{cs_id}/approve", {"approve-comment": "Đồng ý"}),
                              (f"/people/changes/{cs_id}/return", {"return-reason": "Thiếu bản chụp quyết định"})])
        outcomes = [outcome(r) for r in results]
        state = file_state(demo, person_id, cs_id)
        expected = ("approved", 2, 1, 1) if outcomes == ["won", "lost"] else ("returned", 1, 0, 0)
        if sorted(outcomes) != ["lost", "won"] or state != expected:
            failures.append((n, outcomes, state))
        seen.add(state[0])
    assert not failures, f"{len(failures)} of {trials} trials went wrong: {failures[:5]}"


def test_two_first_edits_of_a_file_make_one_draft(app, demo, live_server, unit_by_name, monkeypatch):
    """The TCCB officer saves two sections of a file without a draft from two tabs at the same moment: both saves
    land in one draft (the person row is locked before the draft is looked up), never in two open change sets."""
    use_profile(app, monkeypatch, "hanoi")
    officer = account(demo, "syt.tccb")
    trials = max(TRIALS // 2, 1)
    people = [svc.create_person(officer, {"org_unit_id": unit_by_name("Khoa Cấp cứu").id, "category": "cong_chuc",
                                          "gender": "nam", "full_name": f"Lê Văn Nháp {i}",
                                          "birth_date": "05/03/1980", "cccd": f"0010800{i:05d}"}).id
              for i in range(trials)]
    tab = Browser(live_server).login("syt.tccb")
    failures = []
    for n, person_id in enumerate(people):
        path = f"/people/{person_id}/edit/work"
        results = race([tab.copy(), tab.copy()], [(path, {"start": "2005", "unit_name": f"Đơn vị A {n}"}),
                                                  (path, {"start": "2010", "unit_name": f"Đơn vị B {n}"})])
        demo.session.expire_all()
        drafts = list(demo.session.scalars(select(ChangeSet).where(ChangeSet.person_id == person_id)))
        statuses = [r[0] for r in results]
        if statuses != [302, 302] or len(drafts) != 1 or len(drafts[0].items) != 2:
            failures.append((n, statuses, [(d.id, len(d.items)) for d in drafts]))
    assert not failures, f"{len(failures)} of {trials} trials went wrong: {failures[:5]}"


def test_a_move_is_recorded_once_and_received_once(app, demo, live_server, unit_by_name, monkeypatch):
    """Issue 16: two tabs record a move of the same person at the same moment — one decision is recorded, the
    other is told one is open (400, never a 500); then two tabs receive it at once — one receipt, one new version,
    one row appended to item 33 (the person row is locked before the move is re-read)."""
    from datetime import date

    from app.services import transfers
    from models.transfers import Transfer
    from tests.factories import hr_officer

    use_profile(app, monkeypatch, "hanoi")
    officer = account(demo, "syt.tccb")
    hr_officer(demo, "sgd.tccb", unit_by_name("Sở Giáo dục và Đào tạo"))
    school = unit_by_name("Trường THPT Chu Văn An")
    trials = max(TRIALS // 5, 2)
    people = [svc.create_person(officer, {"org_unit_id": unit_by_name("Khoa Cấp cứu").id, "category": "cong_chuc",
                                          "gender": "nam", "full_name": f"Lê Văn Chuyển {i}",
                                          "birth_date": "05/03/1980", "cccd": f"0010800{i:05d}"}).id
              for i in range(trials)]
    losing, gaining = Browser(live_server).login("syt.tccb"), Browser(live_server).login("sgd.tccb")
    today = date.today().strftime("%d/%m/%Y")
    failures = []
    for n, person_id in enumerate(people):
        form = {"to_unit_id": school.id, "decision_date": today, "effective_date": today}
        path = f"/transfers/new/{person_id}?kind=between_agencies"
        results = race([losing.copy(), losing.copy()], [(path, {**form, "decision_number": f"{n}/QĐ-A"}),
                                                        (path, {**form, "decision_number": f"{n}/QĐ-B"})])
        statuses = sorted(r[0] for r in results)
        demo.session.expire_all()
        moves = demo.session.scalars(select(Transfer).where(Transfer.person_id == person_id)).all()
        if statuses != [302, 400] or len(moves) != 1 or "chưa hoàn tất" not in " ".join(r[2] for r in results):
            failures.append((n, "record", statuses, len(moves)))
            continue
        transfers.move(account(demo, "sonoivu.admin"), moves[0].id)
        before = file_state(demo, person_id, -1)
        results = race([gaining.copy(), gaining.copy()], [(f"/transfers/{moves[0].id}/receive", {})] * 2)
        demo.session.expire_all()
        after = file_state(demo, person_id, -1)
        status = demo.session.scalar(select(Transfer.status).where(Transfer.id == moves[0].id))
        if [r[0] for r in results] != [302, 302] or status != "completed" or (
                after[1] - before[1], after[3] - before[3]) != (1, 1):
            failures.append((n, "receive", [r[0] for r in results], before, after))
    assert not failures, f"{len(failures)} of {trials} trials went wrong: {failures[:5]}"
