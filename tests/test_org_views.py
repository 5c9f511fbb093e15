"""Org tree screens through HTTP: Vietnamese pages, lazy tree, bounded pickers, bad input, permissions."""

import re

from sqlalchemy import func, select

from models.org_units import OrgEvent, OrgUnit
from tests.factories import login


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_login_page_is_vietnamese(client):
    """Vietnamese is the default locale, FAB's own strings included."""
    html = client.get("/login/").get_data(as_text=True)
    assert "Đăng nhập" in html and "Tên đăng nhập" in html and "Mật khẩu" in html
    assert "Sign In" not in html and "Username" not in html


def test_english_stays_available(client, demo):
    """English is the second locale (?_l_=en for one request)."""
    from flask_babel import refresh

    # The test process holds one app context, so Babel's per-context cache must be dropped by hand.
    refresh()
    html = client.get("/login/?_l_=en").get_data(as_text=True)
    assert "Username" in html
    refresh()


def test_wrong_password_message_is_vietnamese(client, demo):
    """A failed login is reported in Vietnamese."""
    resp = client.post("/login/", data={"username": "sonoivu.admin", "password": "sai"}, follow_redirects=True)
    assert "Đăng nhập không thành công" in resp.get_data(as_text=True)


def test_anonymous_is_sent_to_login(client, demo):
    """No page or JSON endpoint of the tree is readable without logging in."""
    for url in ("/org/tree", "/org/api/children", "/org/api/search?q=so", "/org-units/list/"):
        resp = client.get(url)
        assert resp.status_code in (302, 401), url
        assert "/login" in resp.headers.get("Location", "/login"), url


def test_tree_children_are_loaded_on_demand(client, demo, unit_by_name):
    """The tree page holds no unit; children arrive per node with their sub-unit counts."""
    login(client)
    html = client.get("/org/tree").get_data(as_text=True)
    assert "Cây cơ cấu tổ chức" in html and "Sở Y tế" not in html and "Phòng Công chức" not in html
    roots = client.get("/org/api/children").get_json()["items"]
    assert [r["name"] for r in roots] == ["UBND Thành phố Hà Nội"] and roots[0]["children"] == 11
    kids = client.get(f"/org/api/children?parent={roots[0]['id']}").get_json()
    assert len(kids["items"]) == 11 and not kids["more"]
    snv = next(k for k in kids["items"] if k["name"] == "Sở Nội vụ")
    assert snv["children"] == 6 and snv["code"] == "000.00.09.H26"


def test_search_endpoint_is_bounded_and_diacritic_insensitive(client, demo, app):
    """Pickers and the tree search return at most PICKER_LIMIT rows with their trail."""
    login(client)
    hits = client.get("/org/api/search?q=phong").get_json()["results"]
    assert len(hits) == app.config["PICKER_LIMIT"]
    hit = client.get("/org/api/search?q=nghiep vu thi dua").get_json()["results"][0]
    assert hit["name"] == "Phòng Nghiệp vụ Thi đua"
    assert hit["trail"] == "UBND Thành phố Hà Nội › Sở Nội vụ › Ban Thi đua - Khen thưởng"


def test_unit_list_and_forms_never_load_the_whole_tree(client, demo):
    """No dropdown of units: the list's search form and the event forms use search boxes."""
    login(client)
    for url in ("/org-units/list/", "/org/units/new", "/org/consolidate", "/org/units/2/move", "/org/units/2/merge"):
        html = client.get(url).get_data(as_text=True)
        assert client.get(url).status_code == 200, url
        options = re.findall(r"<option[^>]*>([^<]*)</option>", html)
        assert not any("Phòng Nghiệp vụ" in o for o in options), url
        assert len(options) < 40, (url, len(options))


def test_unit_page_shows_history_and_children(client, demo, unit_by_name):
    """The unit page shows breadcrumb, sub-units and the event history with the decision."""
    login(client)
    snv = unit_by_name("Sở Nội vụ")
    html = client.get(f"/org-units/show/{snv.id}").get_data(as_text=True)
    assert "Phòng Công chức, viên chức" in html and "01/QĐ-UBND" in html and "Thành lập" in html


def test_create_form_bad_input_changes_nothing(client, demo, unit_by_name):
    """Empty name, unknown parent, duplicate open code: Vietnamese messages, HTTP 400, no row written."""
    login(client)
    before = (count(demo, OrgUnit), count(demo, OrgEvent))
    resp = client.post("/org/units/new", data={
        "name": "", "unit_type": "phong_ban", "parent_id": "987654", "ma_dinh_danh": "000.00.09.H26",
        "decision_number": "5/QĐ", "decision_date": "2026-02-30",
    })
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "Not a valid date value." not in html and "Ngày" in html
    resp = client.post("/org/units/new", data={
        "name": "", "unit_type": "phong_ban", "parent_id": "987654", "ma_dinh_danh": "000.00.09.H26",
        "decision_number": "5/QĐ", "decision_date": "2026-02-03",
    })
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "Tên đơn vị là bắt buộc." in html
    assert "Đơn vị cấp trên không tồn tại." in html
    assert "đã được dùng cho đơn vị đang hoạt động Sở Nội vụ" in html
    assert (count(demo, OrgUnit), count(demo, OrgEvent)) == before


def test_create_form_success(client, demo, unit_by_name):
    """A valid form creates the unit and redirects to its page."""
    login(client)
    snv = unit_by_name("Sở Nội vụ")
    resp = client.post("/org/units/new", data={
        "name": "Phòng Thanh tra", "unit_type": "phong_ban", "parent_id": str(snv.id),
        "decision_number": "7/QĐ-UBND", "decision_date": "2026-02-03",
    })
    assert resp.status_code == 302 and "/org-units/show/" in resp.headers["Location"]
    assert unit_by_name("Phòng Thanh tra").parent_id == snv.id


def test_merge_form_previews_then_applies(client, demo, unit_by_name):
    """The merge form shows what moves before anything is written; confirm applies it."""
    login(client)
    a = unit_by_name("Ban Thi đua - Khen thưởng")
    b = unit_by_name("Phòng Công chức, viên chức")
    form = {"target_id": str(b.id), "decision_number": "8/QĐ-UBND", "decision_date": "2026-03-01"}
    preview = client.post(f"/org/units/{a.id}/merge", data=form)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "plan-preview" in html
    assert "Chuyển Phòng Nghiệp vụ Thi đua về trực thuộc" in html
    assert unit_by_name("Ban Thi đua - Khen thưởng").status == "active"
    done = client.post(f"/org/units/{a.id}/merge", data={**form, "confirm": "1"})
    assert done.status_code == 302
    demo.session.expire_all()
    assert demo.session.get(OrgUnit, a.id).status == "closed"


def test_move_form_refuses_a_cycle(client, demo, unit_by_name):
    """Moving a unit under its own descendant is refused on the form, in Vietnamese."""
    login(client)
    snv = unit_by_name("Sở Nội vụ")
    deep = unit_by_name("Phòng Nghiệp vụ Thi đua")
    resp = client.post(f"/org/units/{snv.id}/move", data={
        "new_parent_id": str(deep.id), "decision_number": "9", "decision_date": "2026-03-01", "confirm": "1"})
    assert resp.status_code == 400
    assert "đơn vị cấp dưới của nó" in resp.get_data(as_text=True)


def test_forged_ids_get_404(client, demo):
    """A unit id that does not exist in a URL is a 404, not a crash."""
    login(client)
    for url in ("/org/units/999999/merge", "/org/units/999999/edit", "/org-units/show/999999"):
        assert client.get(url).status_code == 404, url


def test_read_only_role_cannot_restructure(client, demo, unit_by_name):
    """'Xem báo cáo' reads the tree but every write endpoint answers 403."""
    login(client, "xem.baocao")
    assert client.get("/org/tree").status_code == 200
    assert "Thành lập đơn vị" not in client.get("/org/tree").get_data(as_text=True)
    unit = unit_by_name("Sở Tư pháp")
    for url in (f"/org/units/{unit.id}/merge", f"/org/units/{unit.id}/dissolve", "/org/units/new"):
        assert client.post(url, data={}).status_code == 403, url
    assert unit_by_name("Sở Tư pháp").status == "active"


def test_consolidate_form(client, demo, unit_by_name):
    """HN-3.9 hợp nhất through the form: preview lists the closing units, confirm creates the new one."""
    login(client)
    a, b = unit_by_name("Sở Tài chính"), unit_by_name("Sở Tư pháp")
    root = unit_by_name("UBND Thành phố Hà Nội")
    form = {"source_ids": [str(a.id), str(b.id)], "parent_id": str(root.id), "name": "Sở Tài chính - Tư pháp",
            "unit_type": "so_nganh", "decision_number": "12/QĐ-UBND", "decision_date": "2026-04-01"}
    html = client.post("/org/consolidate", data=form).get_data(as_text=True)
    assert "Chấm dứt hoạt động của Sở Tài chính" in html and "Chấm dứt hoạt động của Sở Tư pháp" in html
    assert "Thành lập đơn vị mới Sở Tài chính - Tư pháp trực thuộc UBND Thành phố Hà Nội" in html
    assert client.post("/org/consolidate", data={**form, "confirm": "1"}).status_code == 302
    new = unit_by_name("Sở Tài chính - Tư pháp")
    assert {u.name for u in demo.session.query(OrgUnit).filter_by(parent_id=new.id)} >= {"Phòng Quản lý ngân sách"}


def test_split_form(client, demo, unit_by_name):
    """HN-21.2 chia tách through the form: each sub-unit is placed; an unplaced one is reported by name."""
    login(client)
    a = unit_by_name("Sở Tư pháp")
    kids = {u.name: u.id for u in demo.session.query(OrgUnit).filter_by(parent_id=a.id)}
    form = {"new_units-0-name": "Sở Tư pháp A", "new_units-0-unit_type": "so_nganh",
            "new_units-1-name": "Sở Tư pháp B", "new_units-1-unit_type": "so_nganh",
            f"child-{kids['Văn phòng Sở Tư pháp']}": "0",
            "decision_number": "13/QĐ-UBND", "decision_date": "2026-04-01"}
    resp = client.post(f"/org/units/{a.id}/split", data=form)
    assert resp.status_code == 400
    assert "Hãy chọn đơn vị mới tiếp nhận Phòng Hành chính tư pháp." in resp.get_data(as_text=True)
    form[f"child-{kids['Phòng Hành chính tư pháp']}"] = "1"
    form["new_units-1-bien_che_quota"] = "mười"
    resp = client.post(f"/org/units/{a.id}/split", data=form)
    assert resp.status_code == 400 and "Chỉ tiêu biên chế phải là số nguyên không âm." in resp.get_data(as_text=True)
    form["new_units-1-bien_che_quota"] = "10"
    assert "plan-preview" in client.post(f"/org/units/{a.id}/split", data=form).get_data(as_text=True)
    assert client.post(f"/org/units/{a.id}/split", data={**form, "confirm": "1"}).status_code == 302
    assert unit_by_name("Phòng Hành chính tư pháp").parent_id == unit_by_name("Sở Tư pháp B").id
    assert unit_by_name("Sở Tư pháp B").bien_che_quota == 10


def test_dissolve_form_and_unknown_event(client, demo, unit_by_name):
    """HN-21.2 giải thể through the form; an unknown event name in the URL is a 404."""
    login(client)
    leaf = unit_by_name("Tổ Ngữ văn")
    form = {"decision_number": "14/QĐ-UBND", "decision_date": "2026-04-01", "confirm": "1"}
    assert client.post(f"/org/units/{leaf.id}/dissolve", data=form).status_code == 302
    assert unit_by_name("Tổ Ngữ văn").status == "closed"
    assert client.get(f"/org/units/{leaf.id}/explode").status_code == 404
