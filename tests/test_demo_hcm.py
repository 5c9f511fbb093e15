"""Issue 15 item 5: ``CITY_PROFILE=hcm make run`` seeds a Hồ Chí Minh city — UBND Thành phố Hồ Chí Minh, its sở,
wards, communes and the special zone of the two-level government (no district), people living in Hồ Chí Minh's
wards — with the README's demo logins working as in Hà Nội's demo, and pending changes that each role of the HCM
chain can act on under four eyes (Hà Nội's demo output is pinned by tests/test_demo_hash.py)."""

import re

import pytest
from sqlalchemy import func, select

from app.services import demo as demo_service
from app.services import personnel as svc
from models.accounts import Account
from models.approvals import ApprovalStep
from models.org_units import OrgUnit
from models.personnel import ChangeSet, Person, WorkRecord
from tests.clients import body, client_for
from tests.factories import PASSPHRASE, account, use_profile, with_certificates

#: The README's demo logins and the page each lands on (views/home.py LANDINGS).
README_LOGINS = {
    "sonoivu.admin": "/org/tree", "sonoivu.chuyenvien": "/dashboard/", "sonoivu.giamdoc": "/dashboard/",
    "syt.quantri": "/org/tree", "syt.tccb": "/people/", "syt.thutruong": "/dashboard/",
    "annv.syt": "/my/file/", "xem.baocao": "/dashboard/",
}


@pytest.fixture()
def hcm_demo(app, db, monkeypatch):
    """The Hồ Chí Minh demo, seeded as `CITY_PROFILE=hcm flask seed-demo` does (on empty tables)."""
    use_profile(app, monkeypatch, "hcm")
    result = demo_service.seed_demo()
    db.session.commit()
    assert result["units"] > 50 and result["users"] == 9 and result["people"] > 150
    return db


def test_hcm_demo_is_a_ho_chi_minh_city(hcm_demo):
    """The root is UBND Thành phố Hồ Chí Minh (000.00.00.H29); its sở, wards, communes and Côn Đảo are under it;
    no unit, address or work history names Hà Nội's units; the HN demo's names are absent."""
    db = hcm_demo
    units = {u.name: u for u in db.session.scalars(select(OrgUnit))}
    root = units["UBND Thành phố Hồ Chí Minh"]
    assert root.parent_id is None and root.ma_dinh_danh == "000.00.00.H29"
    assert [u.name for u in units.values() if u.parent_id is None] == ["UBND Thành phố Hồ Chí Minh"]
    for name in ("Sở Nội vụ", "Sở Y tế", "UBND phường Sài Gòn", "UBND phường Bến Thành", "UBND xã Bình Chánh",
                 "UBND đặc khu Côn Đảo", "Bệnh viện Nhân dân Gia Định", "Trường THPT Lê Quý Đôn"):
        assert name in units, name
    for name in ("UBND phường Sài Gòn", "UBND xã Bình Chánh", "UBND đặc khu Côn Đảo", "Sở Y tế"):
        assert units[name].parent_id == root.id  # two levels: no quận/huyện in between
    assert all(u.ma_dinh_danh.endswith(".H29") for u in units.values())
    assert not [n for n in units if "Hà Nội" in n or re.search(r"\b(quận|huyện)\b", n)]
    assert not {"Bệnh viện Đa khoa Xanh Pôn", "UBND quận Ba Đình", "Trường THPT Chu Văn An"} & set(units)

    people = list(db.session.scalars(select(Person)))
    assert len({p.org_unit_id for p in people}) > 30
    assert all(p.residence is None or p.residence.endswith("Thành phố Hồ Chí Minh") for p in people)
    assert all(p.file_number.startswith("HCM.") for p in people if p.file_number)
    assert db.session.scalar(select(func.count()).select_from(WorkRecord)
                             .where(WorkRecord.unit_name.like("%Hà Nội%"))) == 0
    current = db.session.scalars(select(WorkRecord.unit_name).where(WorkRecord.unit_name.like("%Gia Định%"))).all()
    assert current, "the work histories end in the demo's own units"
    # The demo logins' files are where the README says.
    annv = db.session.scalar(select(Person).join(Account, Account.id == Person.account_id)
                             .where(Account.username == "annv.syt"))
    assert annv.org_unit.name == "Phòng Tổ chức cán bộ" and annv.org_unit.parent.name == "Sở Y tế"


def test_hcm_demo_logins_land_on_their_work(app, hcm_demo):
    """Every README login signs in with the demo password and lands on its own page, scoped to Hồ Chí Minh."""
    for username, landing in README_LOGINS.items():
        c = client_for(app, username)
        resp = c.get("/")
        assert resp.status_code == 302 and resp.headers["Location"].endswith(landing), (username, resp.headers)
        page = c.get(resp.headers["Location"])
        assert page.status_code == 200, username
        assert "Hà Nội" not in re.sub(r"<script.*?</script>", "", body(page), flags=re.S) or username == "annv.syt"
    tree = client_for(app, "sonoivu.admin").get("/org/api/children?offset=0").get_json()["items"]
    assert [(u["name"], u["code"]) for u in tree] == [("UBND Thành phố Hồ Chí Minh", "000.00.00.H29")]


def test_hcm_demo_pending_changes_go_through_the_chain_under_four_eyes(app, hcm_demo, dev_ca):
    """The demo's pending changes were entered by the hospital's personnel officer (bvgd.tccb) for its people:
    that officer may not verify them; syt.tccb (the Sở's personnel section) finds them in the inbox and verifies
    one, syt.thutruong then finds it and approves it."""
    db = hcm_demo
    pending = list(db.session.scalars(select(ChangeSet).where(ChangeSet.status == "submitted")
                                      .order_by(ChangeSet.id)))
    assert len(pending) == demo_service.PENDING_COUNT
    preparer = account(db, "bvgd.tccb")
    assert all(cs.on_behalf and cs.created_by_id == preparer.id for cs in pending)
    assert all(cs.person.org_unit.name != "Phòng Tổ chức cán bộ" or cs.person.org_unit.parent.name ==
               "Bệnh viện Nhân dân Gia Định" for cs in pending)
    assert svc.inbox(preparer).rows == []  # four eyes: not the one who prepared them
    tccb = account(db, "syt.tccb")
    assert {r.id for r in svc.inbox(tccb).rows} == {cs.id for cs in pending}
    inbox_page = body(client_for(app, "syt.tccb").get("/people/changes/"))
    assert all(f'data-change-set-id="{cs.id}"' in inbox_page and cs.person.full_name in inbox_page for cs in pending)

    with_certificates(db, dev_ca, "syt.tccb", "syt.thutruong")
    cs = pending[0]
    assert svc.approve(account(db, "syt.tccb"), cs.id, "Đã đối chiếu bản gốc", passphrase=PASSPHRASE) is None
    step = db.session.scalar(select(ApprovalStep).where(ApprovalStep.change_set_id == cs.id,
                                                        ApprovalStep.status == "pending"))
    assert step.key == "approve"
    head = account(db, "syt.thutruong")
    assert cs.id in {r.id for r in svc.inbox(head).rows}
    assert svc.approve(head, cs.id, "Phê duyệt", passphrase=PASSPHRASE) is not None
    db.session.expire_all()
    assert db.session.get(ChangeSet, cs.id).status == "approved"
