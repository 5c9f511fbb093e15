"""Issue 13, items 1 and 2: stored before/after values are masked per reader like the file page, and an exact
CCCD/CMND search is allowed only to readers of the number, rate-limited and logged.

HN-4.3, HCM-6.2 (restricted-access levels per role and unit), NĐ 13/2023 (sensitive personal data).
"""

import html
import re
from datetime import date

from sqlalchemy import select

from app.crypto import blind_index
from app.security import scope
from app.security.roles import ROLE_HR_OFFICER
from models.accounts import RoleAssignment
from models.audit import AccessLog
from models.personnel import ChangeSet, HistoryRecord, Person
from tests.clients import client_for
from tests.factories import account, person_for

CCCD_A = "001080012345"
CCCD_B = "001185022222"


def body(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def masked_fields(page: str) -> set[str]:
    return set(re.findall(r'class="diff-masked" data-field="([^"]+)"', page))


def _change(db, person: Person, tag: str) -> None:
    """Change level-1 and level-2 items of ``person`` (the change log records them)."""
    person.strengths = f"Sở trường {tag}-L1"
    person.party_position = f"Bí thư chi bộ {tag}-L2"
    person.party_joined_on = date(1999, 5, 19)
    person.religion = "QXZ"
    person.arrest_history = "Không"  # level 3, encrypted: the log keeps only "***", masked below level 3 too
    db.session.commit()


def _files(db, unit_by_name):
    a = person_for(db, unit_by_name("Khoa Cấp cứu"), name="Mạc Văn Thử", cccd=CCCD_A)
    b = person_for(db, unit_by_name("Văn phòng Sở Y tế"), name="Trần Thị Bình", cccd=CCCD_B, born="1985",
                   gender="nu")
    _change(db, a, "AAA")
    _change(db, b, "BBB")
    return a, b


def test_change_log_masks_items_above_the_readers_level(app, demo, unit_by_name):
    """HN-4.3, HCM-6.2: the agency administrator (level 1) sees the level-1 item in clear and the level-2 items
    (party position, party date, religion) masked; Sở Nội vụ's officer (level 2) sees them in clear but not a
    column of a file's object the registry does not know (default deny, here a change set's comment); the
    city administrator (level 3) sees everything. The stored log stays complete."""
    db = demo
    a, _b = _files(db, unit_by_name)
    cs = ChangeSet(person_id=a.id, status="draft")
    db.session.add(cs)
    db.session.flush()
    cs.decision_comment = "Lý do QXZ-L3"
    db.session.add(HistoryRecord(person_id=a.id, kind="foreign", start="2001", description="Hội QXZ-L2S"))
    db.session.commit()

    page = body(client_for(app, "syt.quantri").get("/audit/changes/?object_type=Person"))
    assert "AAA-L1" in page and "BBB-L1" in page
    assert "AAA-L2" not in page and "BBB-L2" not in page and "1999-05-19" not in page and "QXZ" not in page
    assert {"party_position", "party_joined_on", "religion", "cccd_issued_on", "ethnicity"} <= masked_fields(page)
    assert "strengths" not in masked_fields(page)

    officer = client_for(app, "sonoivu.chuyenvien")
    page = body(officer.get("/audit/changes/?object_type=Person"))
    assert "AAA-L2" in page and "1999-05-19" in page and "party_position" not in masked_fields(page)
    assert "arrest_history" in masked_fields(page)
    page = body(officer.get("/audit/changes/?object_type=ChangeSet"))
    assert "QXZ-L3" not in page and "decision_comment" in masked_fields(page)
    assert "Hội QXZ-L2S" in body(officer.get("/audit/changes/?object_type=HistoryRecord"))

    admin = client_for(app, "sonoivu.admin")
    page = body(admin.get("/audit/changes/"))
    assert "AAA-L2" in page and "QXZ-L3" in page and "Hội QXZ-L2S" in page and not masked_fields(page)


def test_change_log_level_follows_the_readers_role_on_each_files_unit(app, demo, unit_by_name):
    """HN-4.3: a reader holding level 3 on one unit (Cán bộ TCCB) and level 1 elsewhere in the agency (Quản trị
    cơ quan) reads the changes of the first unit's files in clear and the others masked."""
    db = demo
    a, b = _files(db, unit_by_name)
    reader = account(db, "syt.quantri")
    db.session.add(RoleAssignment(user_id=reader.id, role_id=app.appbuilder.sm.find_role(ROLE_HR_OFFICER).id,
                                  org_unit_id=a.org_unit_id, include_descendants=False, valid_from=date(2020, 1, 1)))
    db.session.commit()
    scope.forget()
    page = body(client_for(app, "syt.quantri").get("/audit/changes/?object_type=Person"))
    assert "AAA-L2" in page and "BBB-L1" in page and "BBB-L2" not in page
    rows = dict(re.findall(r'data-object="Person/(\d+)".*?(<table.*?</table>)', page, re.S))
    assert not masked_fields(rows[str(a.id)]) and "party_position" in masked_fields(rows[str(b.id)])


def test_exact_id_search_needs_the_level_of_the_number(app, demo, unit_by_name):
    """HN-4.3: the report viewer (level 1, sees 001*******45) gets no match for a full CCCD or CMND and a notice;
    the personnel officer (level 3) finds the file; every exact search is in the access log without the number."""
    db = demo
    person_for(db, unit_by_name("Khoa Cấp cứu"), name="Mạc Văn Thử", cccd=CCCD_A)
    viewer = client_for(app, "xem.baocao")
    assert "Mạc Văn Thử" in body(viewer.get("/people/?q=mac+van+thu"))
    for number in (CCCD_A, "012345678"):
        page = body(viewer.get(f"/people/?q={number}"))
        assert "Mạc Văn Thử" not in page and "Bạn không có quyền tìm theo số định danh" in page
    page = body(client_for(app, "syt.tccb").get(f"/people/?q={CCCD_A}"))
    assert "Mạc Văn Thử" in page and "không có quyền tìm" not in page
    rows = list(db.session.scalars(select(AccessLog).where(AccessLog.event == "id_search").order_by(AccessLog.id)))
    assert [(r.user_name, r.detail["allowed"]) for r in rows] == [("xem.baocao", False), ("xem.baocao", False),
                                                                    ("syt.tccb", True)]
    assert rows[0].detail["index"] == blind_index(CCCD_A) and rows[2].detail["matches"] == 1
    assert not any(CCCD_A in str(r.detail) or "012345678" in str(r.detail) for r in rows)


def test_exact_id_search_is_rate_limited_per_user(app, demo, unit_by_name, monkeypatch):
    """The N+1-th exact search of a user inside the window is refused in Vietnamese (429) and finds nothing;
    another user and name searches are not affected."""
    db = demo
    person_for(db, unit_by_name("Khoa Cấp cứu"), name="Mạc Văn Thử", cccd=CCCD_A)
    monkeypatch.setitem(app.config, "CCCD_SEARCH_RATE_LIMIT", "3 per hour")
    app.appbuilder.sm.limiter.reset()
    officer = client_for(app, "syt.tccb")
    for _ in range(3):
        assert "Mạc Văn Thử" in body(officer.get(f"/people/?q={CCCD_A}"))
    refused = officer.get(f"/people/?q={CCCD_A}")
    assert refused.status_code == 429
    assert "Mạc Văn Thử" not in body(refused) and "quá nhiều lần" in body(refused)
    assert "Mạc Văn Thử" in body(officer.get("/people/?q=mac+van+thu"))
    assert "Mạc Văn Thử" in body(client_for(app, "syt.thutruong").get(f"/people/?q={CCCD_A}"))
    app.appbuilder.sm.limiter.reset()


def test_change_set_diff_masks_like_the_file_page(app, demo, unit_by_name):
    """HN-4.3 (regression guard; the diff screens already used the reader's level): the report viewer (level 1)
    sees a proposed party date masked on the change set's page, the head (level 3) sees it in clear."""
    from app.services import personnel as svc

    db = demo
    person = person_for(db, unit_by_name("Khoa Cấp cứu"), name="Mạc Văn Thử", cccd=CCCD_A)
    cs = svc.save_section(account(db, "syt.tccb"), person.id, "political",
                          {"party_joined_on": "19/05/1999", "military_rank": "Thượng úy QXZ"})
    viewer = body(client_for(app, "xem.baocao").get(f"/people/changes/{cs.id}"))
    assert "Thượng úy QXZ" in viewer and "19/05/1999" not in viewer and "Hạn chế" in viewer
    head = body(client_for(app, "syt.thutruong").get(f"/people/changes/{cs.id}"))
    assert "Thượng úy QXZ" in head and "19/05/1999" in head
