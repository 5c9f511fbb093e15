"""Org tree service: restructuring events, history, cycles, codes and bad input (HN-3.9, HN-21.2, HN-19.2)."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.services import org_units as svc
from app.services.errors import NotFoundError, ValidationError
from models.accounts import Account
from models.org_units import OrgEvent, OrgEventUnit, OrgUnit

D = svc.Decision(number="99/QĐ-UBND", date=date(2026, 3, 2))


def snapshot(db):
    """Everything the org aggregate holds, to prove a refused operation changed nothing."""
    units = db.session.execute(
        select(OrgUnit.id, OrgUnit.name, OrgUnit.parent_id, OrgUnit.path, OrgUnit.level, OrgUnit.status,
               OrgUnit.ma_dinh_danh).order_by(OrgUnit.id)
    ).all()
    events = db.session.scalar(select(func.count()).select_from(OrgEvent))
    links = db.session.scalar(select(func.count()).select_from(OrgEventUnit))
    accounts = db.session.execute(select(Account.id, Account.org_unit_id).order_by(Account.id)).all()
    return units, events, links, accounts


def assert_refused(db, fn, *messages):
    """Call ``fn``; it must raise ValidationError/NotFoundError whose text contains each message; nothing changes."""
    before = snapshot(db)
    with pytest.raises((ValidationError, NotFoundError)) as info:
        fn()
    db.session.rollback()
    text = " | ".join(info.value.messages)
    for m in messages:
        assert m in text, text
    assert snapshot(db) == before
    return info.value


def add_account(db, unit, username):
    """An account attached to ``unit`` (accounts are what the tree carries along until people exist)."""
    acc = Account(username=username, first_name="A", last_name="B", email=f"{username}@x.vn", active=True,
                  org_unit_id=unit.id)
    db.session.add(acc)
    db.session.commit()
    return acc.id


def subtree_names(db, unit):
    ids = db.session.scalars(svc.subtree_ids(unit)).all()
    return sorted(db.session.scalars(select(OrgUnit.name).where(OrgUnit.id.in_(ids))).all())


def check_paths(db):
    """Every path equals parent's path + own id, and level = depth."""
    units = {u.id: u for u in db.session.scalars(select(OrgUnit))}
    for u in units.values():
        parent = units.get(u.parent_id)
        want = (parent.path if parent else "/") + f"{u.id}/"
        assert u.path == want, (u.name, u.path, want)
        assert u.level == (parent.level + 1 if parent else 1)


# --------------------------------------------------------------------------- create and validation


def test_demo_city_shape(demo, unit_by_name):
    """The demo city has about 60 units on 4 levels and consistent paths (issue 3, item 6)."""
    n = demo.session.scalar(select(func.count()).select_from(OrgUnit))
    assert 55 <= n <= 70
    assert demo.session.scalar(select(func.max(OrgUnit.level))) == 4
    check_paths(demo)
    snv = unit_by_name("Sở Nội vụ")
    assert "Phòng Nghiệp vụ Thi đua" in subtree_names(demo, snv)
    assert "Sở Y tế" not in subtree_names(demo, snv)


def test_seed_demo_is_idempotent(demo):
    """Running the demo seed twice gives the same data."""
    from app.services import demo as demo_service

    before = snapshot(demo)
    assert demo_service.seed_demo(people=False) == {"units": 0, "users": 0, "people": 0}
    assert snapshot(demo) == before


def test_create_unit_sets_path_level_and_event(demo, unit_by_name):
    """HN-3.9: creating a unit records a 'create' event with its decision."""
    snv = unit_by_name("Sở Nội vụ")
    unit = svc.create_unit(
        svc.UnitData(name="  Phòng   Thanh tra  ", unit_type="phong_ban", parent_id=snv.id,
                     ma_dinh_danh="000.07.09.h26"),
        D,
    )
    assert unit.name == "Phòng Thanh tra"
    assert unit.ma_dinh_danh == "000.07.09.H26"
    assert unit.path == f"{snv.path}{unit.id}/" and unit.level == 3
    history = svc.unit_history(unit)
    assert [(e.event_type, role, e.decision_number) for e, role in history] == [("create", "created", "99/QĐ-UBND")]


@pytest.mark.parametrize(
    "data,message",
    [
        (dict(name="   ", unit_type="phong_ban"), "Tên đơn vị là bắt buộc."),
        (dict(name="X", unit_type="phong_ban", parent_id=999999), "Đơn vị cấp trên không tồn tại."),
        (dict(name="X", unit_type="phong_ban", parent_id="abc"), "Đơn vị cấp trên không tồn tại."),
        (dict(name="X", unit_type="khong-co"), "Loại đơn vị không hợp lệ."),
        (dict(name="X", unit_type="phong_ban", ma_dinh_danh="000.00.09.H26"),
         "Mã định danh 000.00.09.H26 đã được dùng cho đơn vị đang hoạt động Sở Nội vụ."),
        (dict(name="X", unit_type="phong_ban", ma_dinh_danh="12-34"), "không đúng định dạng"),
        (dict(name="X", unit_type="phong_ban", bien_che_quota=-3), "Chỉ tiêu biên chế phải là số nguyên không âm."),
        (dict(name="X" * 300, unit_type="phong_ban"), "Tên đơn vị dài quá 255 ký tự."),
        (dict(name="UBND 2", unit_type="ubnd_tp", parent_id=None), "Cây tổ chức đã có đơn vị gốc"),
        (dict(name="X", unit_type="phong_ban", parent_id=None), "Đơn vị cấp trên là bắt buộc."),
    ],
)
def test_create_rejects_bad_input(demo, unit_by_name, data, message):
    """Bad input gets a Vietnamese message and changes nothing (HN-19.2 for codes)."""
    data = dict(data)
    data.setdefault("parent_id", unit_by_name("Sở Nội vụ").id)
    assert_refused(demo, lambda: svc.create_unit(svc.UnitData(**data), D), message)


def test_create_reports_every_problem_at_once(demo):
    """All problems of one submission are reported together, by field."""
    err = assert_refused(
        demo,
        lambda: svc.create_unit(svc.UnitData(name="", unit_type="?", parent_id=424242, ma_dinh_danh="bad"),
                                svc.Decision()),
    )
    assert set(err.errors) >= {"name", "unit_type", "parent_id", "ma_dinh_danh", "decision_number", "decision_date"}


@pytest.mark.parametrize("code", ["000.00.00.H29", "00.09.H29", "H01.151", "H01.151.01", "001.05.09.H26"])
def test_valid_code_forms(db, code):
    """HN-19.2: the three observed shapes of mã định danh are accepted."""
    assert svc._code_is_valid(svc.validate_code(code))


@pytest.mark.parametrize("code", ["H29", "000.00.00.29", "0000.00.00.H29", "00.09.H2", "abc", "000.00.00.HH9"])
def test_invalid_code_forms(db, code):
    """HN-19.2: malformed codes are refused."""
    assert not svc._code_is_valid(svc.validate_code(code))


def test_rename_records_history(demo, unit_by_name):
    """HN-3.9: a rename needs a decision and keeps the old name in the history."""
    unit = unit_by_name("Phòng Cải cách hành chính")
    data = svc.UnitData(name="Phòng Cải cách hành chính và Chuyển đổi số", unit_type="phong_ban",
                        ma_dinh_danh=unit.ma_dinh_danh, short_name=unit.short_name,
                        bien_che_quota=unit.bien_che_quota)
    assert_refused(demo, lambda: svc.update_unit(unit.id, data, svc.Decision()), "Số quyết định là bắt buộc.")
    svc.update_unit(unit.id, data, D)
    event, role = svc.unit_history(unit)[0]
    assert event.event_type == "rename" and role == "subject"
    assert event.details["changes"]["name"] == {
        "before": "Phòng Cải cách hành chính", "after": "Phòng Cải cách hành chính và Chuyển đổi số"}


def test_update_without_change_is_refused(demo, unit_by_name):
    """Saving an unchanged form is refused with a message, no empty event."""
    unit = unit_by_name("Sở Tư pháp")
    data = svc.UnitData(name=unit.name, short_name=unit.short_name, unit_type=unit.unit_type,
                        ma_dinh_danh=unit.ma_dinh_danh, bien_che_quota=unit.bien_che_quota)
    assert_refused(demo, lambda: svc.update_unit(unit.id, data, svc.Decision()), "Không có thay đổi nào để lưu.")


# --------------------------------------------------------------------------- move and cycles


def test_move_rewrites_the_whole_subtree(demo, unit_by_name):
    """Moving a unit moves its subtree (paths and levels) in one statement."""
    btdkt = unit_by_name("Ban Thi đua - Khen thưởng")
    vp = unit_by_name("Văn phòng UBND Thành phố")
    svc.move_unit(btdkt.id, vp.id, D)
    demo.session.expire_all()
    check_paths(demo)
    assert "Phòng Nghiệp vụ Khen thưởng" in subtree_names(demo, vp)
    assert "Phòng Nghiệp vụ Khen thưởng" not in subtree_names(demo, unit_by_name("Sở Nội vụ"))
    assert unit_by_name("Phòng Nghiệp vụ Khen thưởng").level == 4
    roles = sorted(r for _e, r in svc.unit_history(unit_by_name("Sở Nội vụ")))
    assert "old_parent" in roles


def test_move_under_own_descendant_is_refused(demo, unit_by_name):
    """Cycles are impossible: a unit cannot go under itself or one of its descendants."""
    snv = unit_by_name("Sở Nội vụ")
    deep = unit_by_name("Phòng Nghiệp vụ Thi đua")
    assert_refused(demo, lambda: svc.move_unit(snv.id, deep.id, D), "đơn vị cấp dưới của nó")
    assert_refused(demo, lambda: svc.move_unit(snv.id, snv.id, D), "đơn vị cấp dưới của nó")


def test_move_root_and_unknown_ids_are_refused(demo, unit_by_name):
    """The root stays the root; forged ids get a message."""
    root = unit_by_name("UBND Thành phố Hà Nội")
    assert_refused(demo, lambda: svc.move_unit(root.id, unit_by_name("Sở Y tế").id, D), "đơn vị gốc")
    assert_refused(demo, lambda: svc.move_unit(777777, root.id, D), "Không tìm thấy đơn vị có mã 777777.")
    assert_refused(demo, lambda: svc.move_unit(unit_by_name("Sở Y tế").id, "1 OR 1=1", D),
                   "Đơn vị cấp trên không tồn tại.")


# --------------------------------------------------------------------------- merge


def test_merge_moves_subunits_and_accounts_and_closes_source(demo, unit_by_name):
    """HN-3.9 sáp nhập: A into B — A's sub-units and accounts go to B, A closes with B as successor."""
    a = unit_by_name("Ban Thi đua - Khen thưởng")
    b = unit_by_name("Phòng Công chức, viên chức")
    acc = add_account(demo, a, "canbo.btdkt")
    plan = svc.plan_merge(a.id, b.id, D)
    assert sorted(c.name for c, _t in plan.child_moves) == ["Phòng Nghiệp vụ Khen thưởng", "Phòng Nghiệp vụ Thi đua"]
    assert plan.member_totals["accounts"] == 1
    event = svc.merge_units(a.id, b.id, D)
    demo.session.expire_all()
    a, b = demo.session.get(OrgUnit, a.id), demo.session.get(OrgUnit, b.id)
    assert a.status == "closed" and a.successor_id == b.id and a.valid_to == D.date
    assert demo.session.get(Account, acc).org_unit_id == b.id
    assert {c.name for c, _n in svc.children(b.id)[0]} == {"Phòng Nghiệp vụ Khen thưởng", "Phòng Nghiệp vụ Thi đua"}
    check_paths(demo)
    assert event.details["moved_members"][0]["counts"]["accounts"] == 1
    # History stays readable on both sides; the closed unit is never deleted.
    assert [(e.event_type, r) for e, r in svc.unit_history(a)][0] == ("merge", "closed")
    assert ("merge", "receiver") in [(e.event_type, r) for e, r in svc.unit_history(b)]
    assert a.id not in {u.id for u, _n in svc.children(a.parent_id)[0]}
    assert a.id in {u.id for u, _n in svc.children(a.parent_id, include_closed=True)[0]}


def test_merge_refusals(demo, unit_by_name):
    """Merging into itself, into its own descendant, a closed unit, or without a decision is refused."""
    snv = unit_by_name("Sở Nội vụ")
    child = unit_by_name("Văn phòng Sở Nội vụ")
    assert_refused(demo, lambda: svc.merge_units(snv.id, snv.id, D), "phải khác")
    assert_refused(demo, lambda: svc.merge_units(snv.id, child.id, D), "đơn vị cấp dưới của chính nó")
    assert_refused(demo, lambda: svc.merge_units(child.id, snv.id, svc.Decision()),
                   "Số quyết định là bắt buộc.", "Ngày quyết định là bắt buộc.")
    svc.merge_units(child.id, unit_by_name("Phòng Cải cách hành chính").id, D)
    assert_refused(demo, lambda: svc.merge_units(child.id, snv.id, D), "đã chấm dứt hoạt động")


# --------------------------------------------------------------------------- consolidate


def test_consolidate_creates_new_unit_and_closes_sources(demo, unit_by_name):
    """HN-3.9 hợp nhất: A + B into new C; C may take over the code of a closing source."""
    a = unit_by_name("UBND quận Ba Đình")
    b = unit_by_name("UBND quận Hoàn Kiếm")
    acc = add_account(demo, b, "canbo.hk")
    root = unit_by_name("UBND Thành phố Hà Nội")
    new = svc.UnitData(name="UBND quận Trung tâm", unit_type="ubnd_huyen", parent_id=root.id,
                       ma_dinh_danh=a.ma_dinh_danh)
    event = svc.consolidate_units([a.id, b.id], new, D)
    demo.session.expire_all()
    c = unit_by_name("UBND quận Trung tâm")
    assert c.ma_dinh_danh == "000.00.41.H26" and c.parent_id == root.id
    for src in (a, b):
        src = demo.session.get(OrgUnit, src.id)
        assert src.status == "closed" and src.successor_id == c.id
    assert demo.session.get(Account, acc).org_unit_id == c.id
    kids = {u.name for u, _n in svc.children(c.id)[0]}
    assert {"UBND phường Điện Biên", "UBND phường Hàng Bạc", "Phòng Nội vụ quận Hoàn Kiếm"} <= kids
    check_paths(demo)
    assert {r for _e, r in svc.unit_history(c)} == {"created"}
    assert event.event_type == "consolidate"


def test_consolidate_refusals(demo, unit_by_name):
    """One source, nested sources, or a new parent inside a source are refused."""
    a = unit_by_name("UBND quận Ba Đình")
    nested = unit_by_name("UBND phường Ngọc Hà")
    root = unit_by_name("UBND Thành phố Hà Nội")
    new = svc.UnitData(name="C", unit_type="ubnd_huyen", parent_id=root.id)
    assert_refused(demo, lambda: svc.consolidate_units([a.id], new, D), "ít nhất hai đơn vị")
    assert_refused(demo, lambda: svc.consolidate_units([a.id, nested.id], new, D), "là đơn vị cấp dưới của")
    inside = svc.UnitData(name="C", unit_type="ubnd_huyen", parent_id=nested.id)
    assert_refused(demo, lambda: svc.consolidate_units([a.id, unit_by_name("UBND quận Hoàn Kiếm").id], inside, D),
                   "không được nằm trong")


# --------------------------------------------------------------------------- split


def test_split_places_each_subunit_where_chosen(demo, unit_by_name):
    """HN-21.2 chia tách: A into new C and D, each sub-unit placed by choice, accounts to the chosen one."""
    a = unit_by_name("UBND huyện Gia Lâm")
    acc = add_account(demo, a, "canbo.gl")
    kids = {u.name: u.id for u, _n in svc.children(a.id)[0]}
    targets = {kids["Phòng Nội vụ huyện Gia Lâm"]: 0, kids["UBND thị trấn Trâu Quỳ"]: 0,
               kids["Phòng Giáo dục và Đào tạo huyện Gia Lâm"]: 1, kids["UBND xã Bát Tràng"]: 1}
    news = [svc.UnitData(name="UBND phường Gia Lâm", unit_type="ubnd_xa", ma_dinh_danh="H26.120"),
            svc.UnitData(name="UBND xã Bát Tràng mới", unit_type="ubnd_xa", ma_dinh_danh="H26.121"),
            svc.UnitData(name="", unit_type="phong_ban")]
    svc.split_unit(a.id, news, targets, 1, D)
    demo.session.expire_all()
    c, d = unit_by_name("UBND phường Gia Lâm"), unit_by_name("UBND xã Bát Tràng mới")
    assert c.parent_id == d.parent_id == a.parent_id
    assert {u.name for u, _n in svc.children(c.id)[0]} == {"Phòng Nội vụ huyện Gia Lâm", "UBND thị trấn Trâu Quỳ"}
    assert "Trường Tiểu học Đặng Xá" in subtree_names(demo, d)
    assert demo.session.get(Account, acc).org_unit_id == d.id
    assert demo.session.get(OrgUnit, a.id).status == "closed"
    check_paths(demo)


def test_split_refusals(demo, unit_by_name):
    """Every sub-unit must be placed; at least two new units; no duplicate codes within the decision."""
    a = unit_by_name("UBND huyện Gia Lâm")
    kids = [u.id for u, _n in svc.children(a.id)[0]]
    two = [svc.UnitData(name="C", unit_type="ubnd_xa"), svc.UnitData(name="D", unit_type="ubnd_xa")]
    err = assert_refused(demo, lambda: svc.split_unit(a.id, two, {kids[0]: 0}, None, D), "Hãy chọn đơn vị mới")
    assert f"child-{kids[1]}" in err.errors
    assert_refused(demo, lambda: svc.split_unit(a.id, two[:1], dict.fromkeys(kids, 0), None, D),
                   "ít nhất hai đơn vị mới")
    dup = [svc.UnitData(name="C", unit_type="ubnd_xa", ma_dinh_danh="H26.130"),
           svc.UnitData(name="D", unit_type="ubnd_xa", ma_dinh_danh="H26.130")]
    assert_refused(demo, lambda: svc.split_unit(a.id, dup, dict.fromkeys(kids, 0), None, D), "bị trùng")
    assert_refused(demo, lambda: svc.split_unit(a.id, two, {**dict.fromkeys(kids, 0), 424242: 1}, None, D),
                   "không phải đơn vị trực thuộc")


# --------------------------------------------------------------------------- dissolve


def test_dissolve_needs_a_receiver_for_what_remains(demo, unit_by_name):
    """HN-21.2 giải thể: sub-units and accounts cannot be orphaned; a leaf dissolves on its own."""
    ccvt = unit_by_name("Chi cục Văn thư - Lưu trữ")
    assert_refused(demo, lambda: svc.dissolve_unit(ccvt.id, None, D), "hãy chọn đơn vị tiếp nhận")
    assert_refused(demo, lambda: svc.dissolve_unit(ccvt.id, unit_by_name("Trung tâm Lưu trữ lịch sử").id, D),
                   "không được là")
    snv = unit_by_name("Sở Nội vụ")
    svc.dissolve_unit(ccvt.id, snv.id, D)
    demo.session.expire_all()
    assert unit_by_name("Trung tâm Lưu trữ lịch sử").parent_id == snv.id
    leaf = unit_by_name("Tổ Ngữ văn")
    svc.dissolve_unit(leaf.id, None, D)
    assert demo.session.get(OrgUnit, leaf.id).status == "closed"
    assert [(e.event_type, r) for e, r in svc.unit_history(leaf)][0] == ("dissolve", "closed")
    check_paths(demo)


def test_closed_code_can_be_reused(demo, unit_by_name):
    """Codes are unique among open units only: a dissolved unit's code may be given again."""
    leaf = unit_by_name("Tổ Ngữ văn")
    code = leaf.ma_dinh_danh
    svc.dissolve_unit(leaf.id, None, D)
    unit = svc.create_unit(svc.UnitData(name="Tổ Văn - Sử", unit_type="phong_ban", parent_id=leaf.parent_id,
                                        ma_dinh_danh=code), D)
    assert unit.ma_dinh_danh == code


# --------------------------------------------------------------------------- queries and maintenance


def test_search_ignores_case_and_diacritics(demo):
    """'so noi vu' finds 'Sở Nội vụ'; codes are searchable; results are bounded."""
    assert [u.name for u in svc.search_units("so noi vu")][0] == "Sở Nội vụ"
    assert [u.name for u in svc.search_units("ĐẶNG XÁ")] == ["Trường Tiểu học Đặng Xá"]
    assert [u.name for u in svc.search_units("000.03.09")] == ["Phòng Công chức, viên chức"]
    assert len(svc.search_units("phong", limit=5)) == 5
    assert svc.search_units("%") == [] and svc.search_units("   ") == []


def test_children_counts_in_two_queries(demo, unit_by_name, app):
    """Expanding a node costs two queries whatever the number of children."""
    from sqlalchemy import event

    root_id = unit_by_name("UBND Thành phố Hà Nội").id
    statements = []
    engine = demo.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        rows, more = svc.children(root_id)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) == 2
    counts = {u.name: n for u, n in rows}
    assert counts["Sở Nội vụ"] == 6 and counts["Hội Chữ thập đỏ Thành phố"] == 0 and not more


def test_rebuild_paths_repairs_a_corrupted_tree(demo, unit_by_name):
    """The repair tool recomputes paths and levels from parent links."""
    unit = unit_by_name("Phòng Nghiệp vụ Thi đua")
    unit.path, unit.level = "/broken/", 9
    demo.session.commit()
    assert svc.rebuild_paths() == 1
    demo.session.expire_all()
    check_paths(demo)


def test_rebuild_paths_job_runs_on_redis(demo, unit_by_name, app):
    """The repair runs as an RQ job through a real Redis queue."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    from jobs import enqueue
    from jobs.org_units import rebuild_paths

    unit = unit_by_name("Khoa Cấp cứu")
    unit.path = "/x/"
    demo.session.commit()
    queue = app.extensions["rq_queue"]
    assert isinstance(queue, Queue)
    queue.empty()
    job = enqueue(rebuild_paths)
    SimpleWorker([queue], connection=Redis.from_url(app.config["REDIS_URL"])).work(burst=True)
    job.refresh()
    assert job.get_status() == "finished", job.latest_result()
    assert job.return_value() == 1
    demo.session.expire_all()
    check_paths(demo)
