"""Issue 15, item 3: the change and access logs speak Vietnamese.

Objects are named ("Hồ sơ …", "Phân quyền … tại …", "Tài khoản …", "Đơn vị …") from rows read in bulk (no query
per row), a file's items carry their registry labels and every other column a label, values are shown as on the
file page (never ``None``/``True``/``[]``/ISO dates), times are local, events have names, a login is no change of
the account, and the filters find prints and exports.
"""

import ast
import html
import os
import re
from datetime import UTC, date, datetime

from sqlalchemy import event, func, insert, inspect, select

from app import audit
from models.audit import ChangeLog
from tests.clients import body, client_for
from tests.factories import account, login, person_for

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
#: Python's and JSON's notations a reader must never see, and a date as stored.
RAW = re.compile(r"\bNone\b|\bTrue\b|\bFalse\b|\[\]|\{\}|object at 0x|\d{4}-\d{2}-\d{2}")


def visible(page: str, table_id: str) -> str:
    """The text of a log table as the reader sees it (tags and attribute values dropped)."""
    found = re.search(rf'<table[^>]*id="{table_id}".*?</tbody>\n\s*</table>', page, re.S)
    text = re.sub(r"<[^>]+>", " ", found.group(0) if found else "")
    return re.sub(r"\s+", " ", html.unescape(text))


def written_events() -> set[str]:
    """Every event name passed to ``log_access`` / ``log_security`` in app/, views/, jobs/ (literals, also
    inside a conditional expression)."""
    names = set()
    for package in ("app", "views", "jobs"):
        for folder, _dirs, files in os.walk(os.path.join(ROOT, package)):
            for name in files:
                if not name.endswith(".py"):
                    continue
                with open(os.path.join(folder, name), encoding="utf-8") as fh:
                    tree = ast.parse(fh.read())
                for node in ast.walk(tree):
                    if not isinstance(node, ast.Call) or not node.args:
                        continue
                    func_name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                    if func_name in ("log_access", "log_security"):
                        for const in ast.walk(node.args[0]):
                            if isinstance(const, ast.Constant) and isinstance(const.value, str):
                                names.add(const.value)
    return names


def test_every_written_event_has_a_name_and_a_filter_choice(app):
    """Every event written anywhere is named in Vietnamese and is a choice of the access log's event filter;
    the groups name written events only; "In" is never the bare msgid FAB translates "Thuộc"."""
    from flask_babel import force_locale

    from views.audit import AccessFilterForm

    written = written_events()
    assert {"print_syll", "export", "export_syll", "export_syll_zip", "login", "denied", "not_found"} <= written
    assert written <= set(audit.EVENTS), sorted(written - set(audit.EVENTS))
    assert set(audit.EVENTS) <= written, sorted(set(audit.EVENTS) - written)
    for _label, events in audit.EVENT_GROUPS.values():
        assert set(events) <= written
    with app.test_request_context("/audit/access/"), force_locale("vi"):
        form = AccessFilterForm(meta={"csrf": False})
        choices = {c.value for c in form.event.choices} - {""}
        assert choices == written
        labels = [str(label) for label in audit.EVENTS.values()]
        labels += [str(label) for label, _e in audit.EVENT_GROUPS.values()]
        assert "In" not in labels and "Thuộc" not in labels
        assert str(audit.EVENTS["print_syll"]) == "In sơ yếu lý lịch"
        assert {k for k, _l in form.group.choices} >= {"print", "export"}


def test_every_audited_column_and_type_has_a_label(app):
    """No column name reaches the page: every column of every audited model is a registry item or has a label;
    every audited type has a name."""
    from views.audit import HIDDEN_COLUMNS, OBJECT_LABELS, audited_types, column_label

    models = {m.class_.__name__: m.class_ for m in ChangeLog.registry.mappers}
    with app.test_request_context("/"):
        for name in audited_types():
            assert name in OBJECT_LABELS, name
            for attr in inspect(models[name]).column_attrs:
                if attr.key in HIDDEN_COLUMNS:
                    continue
                label = column_label(name, attr.key)
                assert not label.startswith("Mục khác"), (name, attr.key)


def test_a_login_is_no_change_of_the_account(client, demo, app):
    """A login, a failed login and a logout write the access log only; a lockout is a change (locked_at) and an
    administrator's lock too."""
    def changes(username):
        user = account(demo, username)
        return demo.session.scalar(select(func.count()).select_from(ChangeLog).where(
            ChangeLog.object_type == "Account", ChangeLog.object_id == str(user.id)))

    before = changes("annv.syt")
    login(client, "annv.syt")
    client.post("/logout/")
    login(client, "annv.syt", "Sai-mat-khau-1")
    assert changes("annv.syt") == before
    for _ in range(app.config["AUTH_MAX_FAILED_LOGINS"]):
        login(client, "annv.syt", "Sai-mat-khau-1")
    rows = demo.session.scalars(select(ChangeLog).where(
        ChangeLog.object_type == "Account", ChangeLog.object_id == str(account(demo, "annv.syt").id))
        .order_by(ChangeLog.id)).all()
    assert len(rows) == before + 1 and "locked_at" in rows[-1].after


def test_change_log_speaks_vietnamese(app, demo, unit_by_name):
    """Objects are named, items carry their registry labels, values are shown as on the file page, times are
    local; nothing of Python or of the database shows."""
    from app.services import accounts

    db = demo
    admin = account(db, "sonoivu.admin")
    person = person_for(db, unit_by_name("Khoa Cấp cứu"), name="Mạc Văn Thử")
    with audit.acting_as(admin):
        person.party_position = "Bí thư chi bộ"
        person.party_joined_on = date(1999, 5, 19)
        db.session.commit()
        accounts.lock_account(admin, account(db, "annv.syt").id)
    unit = unit_by_name("Sở Tư pháp")
    with audit.acting_as(admin):
        unit.short_name = "STP-HN"
        db.session.commit()
    db.session.execute(insert(ChangeLog.__table__), [{
        "time": datetime(2026, 1, 2, 17, 30, tzinfo=UTC), "user_name": "sonoivu.admin", "action": "update",
        "object_type": "OrgUnit", "object_id": str(unit.id), "org_unit_id": unit.id,
        "before": {"valid_to": None}, "after": {"valid_to": "2026-01-31"}}])
    db.session.commit()

    officer = client_for(app, "sonoivu.admin")
    page = body(officer.get("/audit/changes/"))
    text = visible(page, "change-log")
    assert "Hồ sơ Mạc Văn Thử" in text and "Chức vụ Đảng hiện tại" in text and "Ngày vào Đảng" in text
    assert "19/05/1999" in text and "Bí thư chi bộ" in text
    assert "Tài khoản annv.syt" in text and "Thời điểm khóa" in text
    assert "Phân quyền Cán bộ TCCB tại Sở Y tế" in text
    assert "Đơn vị Sở Tư pháp" in text and "Tên viết tắt" in text and "STP-HN" in text
    assert "Trần Quốc Hùng" in text  # the author's name next to the user name
    assert not RAW.search(text), RAW.search(text)
    for column in ("party_position", "party_joined_on", "locked_at", "short_name", "org_unit_id", "valid_to"):
        assert column not in text
    assert re.findall(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}", text)
    text = visible(body(officer.get("/audit/changes/?date_from=2026-01-02&date_to=2026-01-03")), "change-log")
    assert "03/01/2026 00:30:00" in text and "31/01/2026" in text  # UTC 17:30 is 00:30 the next day in Hà Nội
    assert "Hiệu lực đến ngày" not in text and "Hoạt động đến ngày" in text

    page = body(client_for(app, "syt.quantri").get("/audit/changes/?object_type=Person"))
    masked = re.search(r'<tr class="diff-masked" data-field="party_position"><td>([^<]*)</td>', page)
    assert masked and masked.group(1) == "Chức vụ Đảng hiện tại" and "Bí thư chi bộ" not in page


def test_change_log_names_a_section_row_and_its_items(app, demo, unit_by_name):
    """A section row is named by its file and its section, its items by their labels in that section."""
    from models.personnel import HistoryRecord

    db = demo
    person = person_for(db, unit_by_name("Khoa Cấp cứu"), name="Mạc Văn Thử")
    db.session.add(HistoryRecord(person_id=person.id, kind="foreign", start="2001", description="Hội QXZ-L2S"))
    db.session.commit()
    text = visible(body(client_for(app, "sonoivu.admin").get("/audit/changes/?object_type=HistoryRecord")),
                   "change-log")
    assert "Hồ sơ Mạc Văn Thử" in text and "Tham gia hoặc có quan hệ với các tổ chức" in text
    assert "Tên tổ chức, địa chỉ trụ sở, công việc đã làm" in text and "Hội QXZ-L2S" in text
    assert "Từ tháng/năm" in text and "2001" in text and not RAW.search(text)


def test_a_files_rows_are_in_its_units_change_log(app, demo, unit_by_name):
    """The rows of a file's objects (a section row, a change set, its items, a proof) carry the file's unit, so
    the agency that audits the unit sees them; another agency does not."""
    from app.services import personnel as svc
    from tests.factories import PDF, documents, hr_officer

    db = demo
    person = person_for(db, unit_by_name("Khoa Cấp cứu"), name="Mạc Văn Thử")
    officer = account(db, "syt.tccb")
    svc.save_section(officer, person.id, "documents", documents())
    svc.add_attachment(officer, person.id, PDF, "Giấy tờ.pdf", "giay_to_tuy_than", "documents")
    unit = person.org_unit_id
    rows = db.session.execute(select(ChangeLog.object_type, ChangeLog.org_unit_id).where(
        ChangeLog.object_type.in_(("ChangeSet", "ChangeItem", "Attachment")))).all()
    assert {t for t, _u in rows} >= {"ChangeSet", "Attachment"} and all(u == unit for _t, u in rows), rows
    assert "Mạc Văn Thử" in visible(body(client_for(app, "syt.quantri").get("/audit/changes/?object_type=ChangeSet")),
                                    "change-log")
    hr_officer(db, "stp.quantri", unit_by_name("Sở Tư pháp"), role_name="Quản trị cơ quan")
    assert "Mạc Văn Thử" not in body(client_for(app, "stp.quantri").get("/audit/changes/?object_type=ChangeSet"))


def test_access_log_names_events_and_objects_and_filters_find_prints_and_exports(app, demo_people, unit_by_name):
    """A print is "In sơ yếu lý lịch" with the file's name; the "In ấn" group and the event filter find it, the
    "Kết xuất" group finds exports; details are labelled; no code or Python value shows."""
    from models.org_units import OrgUnit
    from models.personnel import Person

    db = demo_people
    officer = client_for(app, "syt.tccb")
    person = db.session.scalar(select(Person).join(OrgUnit, OrgUnit.id == Person.org_unit_id).where(
        Person.version_no > 0, OrgUnit.path.like(unit_by_name("Sở Y tế").path + "%")).order_by(Person.id))
    resp = officer.get(f"/people/syll/{person.id}/print")
    assert resp.status_code == 200
    inside = unit_by_name("Khoa Cấp cứu")
    admin = client_for(app, "syt.quantri")
    assert admin.post("/org-units/action_post", data={"action": "export_csv", "rowid": [inside.id]}).status_code == 200
    reader = client_for(app, "sonoivu.admin")

    page = body(reader.get("/audit/access/?group=print"))
    text = visible(page, "access-log")
    assert 'data-event="print_syll"' in page and set(re.findall(r'data-event="(\w+)"', page)) == {"print_syll"}
    assert "In sơ yếu lý lịch" in text and f"Hồ sơ {person.full_name}" in text and "Thuộc" not in text
    assert "Phiên bản" in text and "Số trang" in text
    for url in ("/audit/access/?event=print_syll", "/audit/access/?event=print"):
        assert set(re.findall(r'data-event="(\w+)"', body(reader.get(url)))) == {"print_syll"}, url
    page = body(reader.get("/audit/access/?group=export"))
    assert set(re.findall(r'data-event="(\w+)"', page)) == {"export"}
    assert "Kết xuất dữ liệu" in visible(page, "access-log")
    assert "Thuộc" not in visible(body(reader.get("/audit/access/")), "access-log")
    filters = body(reader.get("/audit/access/"))
    assert '<option value="print">In ấn</option>' in filters
    assert '<option value="print_syll">In sơ yếu lý lịch</option>' in filters

    text = visible(body(reader.get("/audit/access/")), "access-log")
    assert not RAW.search(text), RAW.search(text)
    for code in ("print_syll", "version_no", "export_csv"):
        assert code not in text


def test_denied_and_security_details_are_labelled(app, demo, unit_by_name):
    """A refusal names what was refused and the unit; a role grant names the account and the role."""
    from app.services import accounts

    db = demo
    client = client_for(app, "syt.quantri")
    client.get(f"/org-units/show/{unit_by_name('Sở Tư pháp').id}")
    with audit.acting_as(account(db, "syt.quantri")):
        try:
            accounts.lock_account(account(db, "syt.quantri"), account(db, "sonoivu.chuyenvien").id)
        except Exception:  # noqa: BLE001 - refused and logged, which is what is looked at
            db.session.rollback()
    text = visible(body(client_for(app, "sonoivu.admin").get("/audit/access/?group=refused")), "access-log")
    assert "Truy cập địa chỉ không tồn tại" in text and "404 (không tìm thấy)" in text
    assert "Bị từ chối truy cập" in text and "Quản lý một tài khoản" in text
    assert not RAW.search(text), RAW.search(text)


def _statements(app, client, url) -> int:
    from app.extensions import db

    seen = []

    def count(*_args):
        seen.append(1)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_log_pages_do_not_query_per_row(app, demo, unit_by_name):
    """The statements a page runs do not grow with its rows: one row or a dozen rows of files, of a section's
    rows, of reads cost the same."""
    from models.personnel import WorkRecord

    db = demo
    unit = unit_by_name("Khoa Cấp cứu")
    people = [person_for(db, unit, name=f"Trần Văn Thử {i}", cccd=f"0010800{i:05d}") for i in range(12)]
    for p in people:
        db.session.add(WorkRecord(person_id=p.id, start="2001", unit_name="Bệnh viện"))
    db.session.commit()
    reader = client_for(app, "syt.tccb")
    for p in people:
        assert reader.get(f"/people/{p.id}").status_code == 200
    client = client_for(app, "sonoivu.admin")
    one, all_ = f"&object_id={people[0].id}", ""
    for url in ("/audit/changes/?object_type=Person", "/audit/changes/?object_type=WorkRecord",
                "/audit/access/?event=read"):
        client.get(url)  # menus, code lists and the like cached
        few, many = _statements(app, client, url + one), _statements(app, client, url + all_)
        rows = re.findall(r'<tr class="(?:change|access)-row"', body(client.get(url)))
        assert len(rows) >= 12, (url, len(rows))
        assert many <= few, (url, few, many)
