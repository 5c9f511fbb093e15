"""The permission matrix: every route of our views × every role (and anonymous) × objects in and out of scope.

Generated from the URL map and the views' own permission declarations, so a new view or route is covered
the day it is added. Expected outcomes are derived independently of the scope function:
- anonymous: sent to the login page (public pages excepted);
- a role without the view's permission (FAB roles as data): 403;
- with the permission, an object outside the role's demo scope (``demo_scope`` in roles.py: city / agency /
  own): 403 or 404, and nothing in the database changes;
- with the permission and the object in scope: the page works (200, a redirect, or 400 for an empty form).
List pages must not show out-of-scope rows. "Hồ sơ của tôi" serves the signed-in person's own file only, so
every object of the world (someone else's change, someone else's attachment) is out of its scope.
Rules: HN-8.2, HN-9.1, HN-9.2, HCM-4.1, HCM-4.5, HCM-4.7, HN-6.2, HN-6.4.
"""

from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from app import workdays as wd
from app.security.roles import ROLE_CONFIGS, role_config
from app.services import accounts as acc
from app.services import personnel as people
from app.services.personnel.syll import PHOTO_LEVEL
from app.services.transfers import retirement
from models.accounts import Account, RoleAssignment
from tests.factories import PDF, PNG, login
from tests.url_routes import fingerprint as url_fingerprint

#: Registered views of our packages that the matrix does not walk, and why. Every other view registered with
#: the app builder is walked; a view the matrix does not know fails ``test_the_matrix_knows_every_view``.
NOT_WALKED = {
    "HomeView": "the start page: any signed-in user, no object, no write",
    # Flask-AppBuilder's own security screens (our subclasses only restyle them): administrators only.
    "ResetMyPasswordView": "FAB security", "AuthDBView": "FAB security (the login page)",
    "UserDBModelView": "FAB security", "RoleModelView": "FAB security", "UserGroupModelView": "FAB security",
    "PermissionModelView": "FAB security", "ViewMenuModelView": "FAB security",
    "PermissionViewModelView": "FAB security",
}
#: Walked views whose routes name no object by ``pk`` (objects, if any, through ``OBJECT_ARGS``/``FIXED_ARGS``).
NO_PK_VIEWS = {
    "ChangeLogView", "AccessLogView", "MyAccountView", "LostPasswordView", "ChangeSetsView", "MyFileView",
    "MySyllView", "VerifyPdfView", "MyCertificateView", "WorkdayCalendarView", "ComplianceView",
    "NotificationsView", "TransfersView", "SalaryView", "RetirementsView",
    # issue 17, staffing reports
    "QuotaReportView", "PositionReportView",
    "Bm02View",  # issue 17, BM02 family: the unit is a query argument (default: the reader's top units)
    # issue 17, data quality: the register names its issues by ``issue_id`` (and files by ``person_id``)
    "DataIssuesView",
}
# Issue 17 (dashboard and people export, helper "dash"): views without a pk.
NO_PK_VIEWS |= {"DashboardView", "PeopleExportView"}
NO_PK_VIEWS |= {"BackupsView"}  # issue 20: the backup log (Sở Nội vụ's administrators), no object
# Issue 19 (restructuring from a mapping sheet, helper "e"): the upload names no object.
NO_PK_VIEWS |= {"OrgImportView"}
# Issue 18 (national sync, helper "c"): batches and items are named by ``batch_id`` / ``sync_item_id``.
NO_PK_VIEWS |= {"NationalSyncView", "SyncApprovalsView", "SyncOverdueView", "SyncReconciliationView"}
#: Object kinds that belong to no unit (the city's calendar): every holder of the permission reaches both.
UNSCOPED_KINDS = {"workday_override"}
PUBLIC = {"LostPasswordView.form", "LostPasswordView.sent"}
PUBLIC |= {"HealthView.healthz", "HealthView.readyz"}  # issue 20: the load balancer's probes (no login)
USERS = [None] + [
    "sonoivu.admin", "sonoivu.chuyenvien", "sonoivu.giamdoc", "syt.quantri", "syt.tccb", "syt.thutruong",
    "annv.syt", "xem.baocao",
]
#: What the ``pk`` of each view names.
PK_KIND = {
    "OrgTreeView": "unit", "OrgUnitModelView": "unit", "AccountsView": "account", "QuickRolesView": "account",
    "PasswordRequestsView": "password_request", "ConsentView": "consent", "DelegationView": "delegation",
    "PeopleView": "person", "SyllView": "person", "WorkdayOverrideView": "workday_override",
    # issue 17, staffing
    "QuotasView": "quota", "JobPositionsView": "job_position",
    "QualityView": "unit",  # issue 17: one unit's data quality
    "ImportView": "import_job",  # issue 19: an import into a unit
}
#: URL arguments other than ``pk`` that name an object of the world, and its kind.
OBJECT_ARGS = {"aid": "assignment", "att_id": "attachment", "cs_id": "change_set", "item_id": "change_item",
               "transfer_id": "transfer", "person_id": "person",
               "issue_id": "data_issue",  # issue 17: the data-issue register
               "batch_id": "sync_batch", "sync_item_id": "sync_item"}  # issue 18: the national sync
#: Values for the other URL arguments.
FIXED_ARGS = {
    "kind": {"OrgTreeView.restructure": "merge", "AccountsView.change_assignment": "revoke",
             "PeopleView.api_codes": "province", "MyFileView.api_codes": "province",
             # issue 17, BM02 family
             "Bm02View.index": "cong-chuc", "Bm02View.export_xlsx": "vien-chuc",
             "Bm02View.download_pdf": "cap-xa", "Bm02View.sign": "cong-chuc"},
    "name": {"OrgUnitModelView.action": "export_csv", "WorkdayOverrideView.action": "no_such_action"},
    "section": {"PeopleView.edit": "work", "PeopleView.delete_row": "work", "MyFileView.edit": "identity",
                "MyFileView.delete_row": "work"},
    "no": {"PeopleView.version": 1, "MyFileView.version": 1},
    # Objects the world does not hold: an export job and a notification of someone else (404, nothing changed).
    "export_id": {"SyllView.export_show": 999999, "SyllView.export_status": 999999,
                  "SyllView.export_download": 999999},
    "nid": {"NotificationsView.open": 999999, "NotificationsView.mark_read": 999999},
    # HN-21.6: no quarterly report in the world (404, nothing changed)
    "report_id": {"QualityView.quarterly_pdf": 999999},
}
# Issue 17 (people export, helper "dash"): someone else's export job, as for the SYLL exports.
FIXED_ARGS["export_id"].update({"PeopleExportView.show": 999999, "PeopleExportView.status": 999999,
                                "PeopleExportView.download": 999999})
#: Routes whose object is rightly absent (404, nothing changed) even in scope: the photo of a file that has
#: none yet, and "delete a row" without naming one (the matrix names no row).
MAY_BE_ABSENT = {"QualityView.quarterly_pdf",
                 "MyFileView.photo", "PeopleView.delete_row", "MyFileView.delete_row", "MySyllView.print_syll",
                 "SyllView.export_show", "SyllView.export_status", "SyllView.export_download",
                 "NotificationsView.open", "NotificationsView.mark_read",
                 # the walk deletes the overrides (delete comes before edit and show in the URL map)
                 "WorkdayOverrideView.edit", "WorkdayOverrideView.show"}
MAY_BE_ABSENT |= {"PeopleExportView.show", "PeopleExportView.status"}  # issue 17 (helper "dash")
MAY_BE_ABSENT |= {"ImportView.report"}  # issue 19: the world's imports are not checked yet (no report)
# Issue 17 item 6 (helper "b"): the reports' exports — someone else's export job, as for the people list's.
NO_PK_VIEWS |= {"ReportExportView"}
FIXED_ARGS["export_id"].update({"ReportExportView.show": 999999, "ReportExportView.status": 999999,
                                "ReportExportView.download": 999999})
MAY_BE_ABSENT |= {"ReportExportView.show", "ReportExportView.status"}
# Issue 20 items 4–5 (helper "g"): the probes (public), maintenance notices and the security report (Sở Nội vụ's
# administrators); a notice the world does not hold (404, nothing changed).
NO_PK_VIEWS |= {"HealthView", "MaintenanceView", "SecurityReportView"}
FIXED_ARGS["notice_id"] = {"MaintenanceView.cancel": 999999}
MAY_BE_ABSENT |= {"MaintenanceView.cancel"}
#: Markers of the out-of-scope objects that a scoped list must never show.
OUTSIDE_MARKERS = ("out.canbo", "MUC-DICH-NGOAI", "UQ-NGOAI", "Ngoaivi")
FINGERPRINT_TABLES = ("org_unit", "ab_user", "role_assignment", "consent_grant", "delegation", "password_request",
                      "org_event", "person", "change_set", "change_item", "attachment", "file_version",
                      "workday_override", "change_set_document", "transfer",
                      "unit_quota", "job_position", "job_position_quota",  # issue 17, staffing
                      "data_issue",  # issue 17
                      "import_job", "import_row",  # issue 19
                      "sync_batch", "sync_item", "sync_receipt", "sync_manifest",  # issue 18
                      "maintenance_notice")  # issue 20


@pytest.fixture()
def world(demo, unit_by_name):
    """Demo city + one object of each kind inside Sở Y tế's subtree and one outside it (in Sở Tư pháp)."""
    admin = demo.session.scalar(select(Account).where(Account.username == "sonoivu.admin"))
    inside_unit = unit_by_name("Khoa Cấp cứu")
    outside_unit = unit_by_name("Phòng Hành chính tư pháp")
    objs = {"unit": (inside_unit.id, outside_unit.id)}
    ins, _ = acc.create_account(admin, acc.AccountData(username="in.canbo", last_name="Lê", first_name="Trong",
                                                       org_unit_id=inside_unit.id))
    outs, _ = acc.create_account(admin, acc.AccountData(username="out.canbo", last_name="Lê", first_name="Ngoai",
                                                        org_unit_id=outside_unit.id))
    objs["account"] = (ins.id, outs.id)
    aid = {a.user_id: a.id for a in demo.session.scalars(select(RoleAssignment).where(
        RoleAssignment.user_id.in_([ins.id, outs.id])))}
    objs["assignment"] = (aid[ins.id], aid[outs.id])
    reqs = [acc.request_password_reset(name, None, None) for name in ("in.canbo", "out.canbo")]
    objs["password_request"] = (reqs[0].id, reqs[1].id)
    end = date.today() + timedelta(days=30)
    consents = [acc.grant_consent(admin, ins.id, u, purpose=p, document_number="CP-1", valid_to=end)
                for u, p in ((inside_unit.id, "MUC-DICH-TRONG"), (outside_unit.id, "MUC-DICH-NGOAI"))]
    objs["consent"] = (consents[0].id, consents[1].id)
    dels = [acc.delegate(admin, ins.id, inside_unit.id, "manage_accounts", document_number="UQ-TRONG", valid_to=end),
            acc.delegate(admin, outs.id, outside_unit.id, "approve", document_number="UQ-NGOAI", valid_to=end)]
    objs["delegation"] = (dels[0].id, dels[1].id)
    objs.update(personnel_world(admin, inside_unit, outside_unit))
    objs["transfer"] = transfer_world(admin, objs["person"], unit_by_name)
    objs["data_issue"] = data_issue_world(admin, objs["person"])  # issue 17
    objs.update(national_sync_world(objs["person"]))  # issue 18
    overrides = [wd.add_override(admin, date(2031, 3, day), "off", f"Thông báo {day}/TB-UBND") for day in (3, 4)]
    objs["workday_override"] = (overrides[0].id, overrides[1].id)
    objs.update(staffing_world(admin, inside_unit, outside_unit))
    objs["import_job"] = import_world(admin, inside_unit, outside_unit)
    return objs


def import_world(admin, inside_unit, outside_unit) -> tuple[int, int]:
    """Issue 19: an upload (not checked yet: nothing queued) into a unit inside and one outside."""
    from app.services.imports import use_cases as imports

    content = "Số CCCD;Họ;Tên\n001080012399;Lê;An\n".encode()
    return tuple(imports.start_import(admin, unit.id, "cong_chuc", "nhap.csv", content).id
                 for unit in (inside_unit, outside_unit))


def staffing_world(admin, inside_unit, outside_unit) -> dict:
    """Issue 17: a quota decision and an agency's own job position (with a count) inside and outside."""
    from app.services import staffing

    found: dict[str, list] = {"quota": [], "job_position": []}
    for unit, tag in ((inside_unit, "TRONG"), (outside_unit, "Ngoaivi")):
        found["quota"].append(staffing.set_quota(admin, unit.id, date.today().year, "cong_chuc", 5, f"QĐ-{tag}",
                                                 date.today()).id)
        position = staffing.create_position(admin, staffing.PositionData(
            code=f"VT-{tag}", name=f"Vị trí {tag}", group="chuyen_mon", org_unit_id=unit.id))
        staffing.set_position_count(admin, position.id, unit.id, 2, f"QĐ-VT-{tag}", date.today())
        found["job_position"].append(position.id)
    return {kind: tuple(ids) for kind, ids in found.items()}


def personnel_world(admin, inside_unit, outside_unit) -> dict:
    """A file inside and outside, each with an approved photo (version 2) and a submitted change with proof.

    The changes are prepared by a second administrator (four eyes, issue 15: whoever prepared a change for the
    person does not decide it), so that sonoivu.admin may decide them."""
    found: dict[str, list] = {"person": [], "change_set": [], "change_item": [], "attachment": []}
    from app.extensions import db
    from app.security.roles import ROLE_ADMIN

    root = db.session.scalar(select(RoleAssignment.org_unit_id).where(RoleAssignment.user_id == admin.id).limit(1))
    drafter, _ = acc.create_account(admin, acc.AccountData(
        username="sonoivu.admin2", last_name="Đỗ Văn", first_name="Minh", org_unit_id=root, role_name=ROLE_ADMIN,
        include_descendants=True))
    # Born in a month that reaches the retirement age within a year, so the "Sắp nghỉ hưu" list holds both files.
    retiring = retirement.birth_month_schedule("nam", date.today(), retirement.add_months(date.today(), 12))[0][0]
    for unit, name in ((inside_unit, "Lê Văn Trong"), (outside_unit, "Lò Văn Ngoaivi")):
        person = people.create_person(admin, {"org_unit_id": unit.id, "category": "cong_chuc", "full_name": name,
                                              "gender": "nam", "birth_date": retiring.strftime("%m/%Y")})
        people.set_photo(drafter, person.id, PNG)
        people.approve(admin, people.submit(drafter, person.id).id)
        people.save_section(drafter, person.id, "work", {"start": "2005", "unit_name": "Đơn vị cũ"})
        att = people.add_attachment(drafter, person.id, PDF, "Quyết định.pdf", "quyet_dinh", "work")
        cs = people.submit(drafter, person.id)
        signed_document(cs)
        for kind, value in (("person", person.id), ("change_set", cs.id), ("change_item", cs.items[0].id),
                            ("attachment", att.id)):
            found[kind].append(value)
    return {kind: tuple(ids) for kind, ids in found.items()}


def transfer_world(admin, person_ids, unit_by_name) -> tuple[int, int]:
    """A recorded move inside the unit of each file (inside: within Bệnh viện Thanh Nhàn; outside: within Sở Tư
    pháp), so every step of the move's routes has an object in and out of scope."""
    from app.services import transfers

    moves = []
    for pid, destination in zip(person_ids, (unit_by_name("Bệnh viện Thanh Nhàn"),
                                             unit_by_name("Văn phòng Sở Tư pháp")), strict=True):
        moves.append(transfers.record_move(admin, pid, transfers.MoveData(
            kind="within_unit", to_unit_id=destination.id, decision_number="DD-1", decision_date=date.today(),
            effective_date=date.today())).id)
    return moves[0], moves[1]


def data_issue_world(admin, person_ids) -> tuple[int, int]:
    """An open data issue on the inside and on the outside file (issue 17)."""
    from app.services import data_issues

    return tuple(data_issues.report_issue(admin, pid, "identity.birth_date", "Ngày sinh chưa khớp giấy khai sinh.").id
                 for pid in person_ids)


def national_sync_world(person_ids) -> dict:
    """Issue 18: each file's latest version listed by a monthly batch of its agency (Sở Y tế inside, Sở Tư pháp
    outside), submitted, with a manifest (written directly: the window and the approval are the service's tests)."""
    import hashlib

    from app.extensions import db
    from models.national_sync import SyncBatch, SyncItem, SyncManifest

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    manifest = SyncManifest(pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), signed=False, batch_count=2,
                            record_count=2)
    db.session.add(manifest)
    db.session.flush()
    found: dict[str, list] = {"sync_batch": [], "sync_item": []}
    for pid in person_ids:
        item = db.session.scalar(select(SyncItem).where(SyncItem.person_id == pid, SyncItem.status == "queued"))
        batch = SyncBatch(agency_unit_id=item.agency_unit_id, kind="monthly", period=date.today().strftime("%Y-%m"),
                          batch_key=f"M-{item.agency_unit_id}-matrix", state="submitted", status="idle",
                          record_count=1, manifest_id=manifest.id)
        db.session.add(batch)
        db.session.flush()
        item.monthly_batch_id = batch.id
        found["sync_batch"].append(batch.id)
        found["sync_item"].append(item.id)
    db.session.commit()
    return {kind: tuple(ids) for kind, ids in found.items()}


def signed_document(cs) -> None:
    """The submission's "signed" PDF (an unsigned one-page PDF suffices: the routes serve and list what is
    stored), so the routes of signed documents find one in scope."""
    import hashlib
    import io

    from reportlab.pdfgen import canvas

    from app.extensions import db
    from models.approvals import ChangeSetDocument

    buf = io.BytesIO()
    page = canvas.Canvas(buf)
    page.drawString(72, 720, "SYLL")
    page.save()
    pdf = buf.getvalue()
    db.session.add(ChangeSetDocument(change_set_id=cs.id, round=cs.round, content=pdf,
                                     sha256=hashlib.sha256(pdf).hexdigest(), signed_fields="NguoiKhai"))
    db.session.commit()


def registered_views(app) -> set[str]:
    """The class names of the views of our packages registered with the app builder."""
    return {type(v).__name__ for v in app.appbuilder.baseviews if type(v).__module__.startswith("views.")}


def walked_views(app) -> set[str]:
    return registered_views(app) - set(NOT_WALKED)


def routes(app):
    """(endpoint, rule, methods) of every route of the walked views."""
    walked = walked_views(app)
    for rule in app.url_map.iter_rules():
        view = rule.endpoint.split(".")[0]
        if view in walked:
            yield rule.endpoint, rule, sorted(rule.methods - {"HEAD", "OPTIONS"})


def view_object(app, endpoint):
    """The registered view serving ``endpoint``."""
    return next(v for v in app.appbuilder.baseviews if type(v).__name__ == endpoint.split(".")[0])


def required_permission(app, endpoint):
    """(permission, resource) FAB checks for an endpoint, read from the view's declarations."""
    method = endpoint.split(".")[1]
    view = view_object(app, endpoint)
    if method in ("action", "action_post"):
        return "can_" + view.method_permission_name.get("export_csv", "export_csv"), view.class_permission_name
    return "can_" + view.method_permission_name.get(method, method), view.class_permission_name


def holds(username, permission, resource) -> bool:
    """Does the user's role hold the permission? (roles as data, as synced into FAB's tables; read once per
    role and app: the matrix asks some 600 times a role)."""
    name = next(cfg["name"] for cfg in ROLE_CONFIGS if cfg["name"] == role_of(username))
    held = current_app.extensions.setdefault("test_role_permissions", {})
    if name not in held:
        sm = current_app.appbuilder.sm
        held[name] = frozenset(sm.get_role_permissions(sm.find_role(name)))
    return (permission, resource) in held[name]


def role_of(username) -> str:
    from app.seeds.demo_city import DEMO_USERS

    return next(role for user, role, *_rest in DEMO_USERS if user == username)


def covers(username, where: str) -> bool:
    """Independent expectation of scope: city roles cover both objects, agency roles the inside one only."""
    kind = role_config(role_of(username))["demo_scope"]
    return kind == "city" or (kind == "agency" and where == "inside")


def extra_rule(endpoint, username, where) -> bool:
    """Authority rules beyond permission + scope that the services enforce (HN-9.2, HN-6.4)."""
    cfg = role_config(role_of(username))
    if endpoint == "DelegationView.revoke":
        action = "manage_accounts" if where == "inside" else "approve"
        return cfg["admin"] or action in cfg.get("delegable", [])
    if endpoint.startswith("MyFileView."):
        return False  # the world's objects belong to other people's files
    if endpoint == "PeopleView.attachment":
        return cfg["admin"] or cfg.get("field_level", 0) >= 2  # proof is sensitive data (HN-4.3)
    if endpoint == "PeopleView.photo":
        return cfg["admin"] or cfg.get("field_level", 0) >= PHOTO_LEVEL  # the photo too (issue 13 §9)
    if endpoint in ("PeopleView.signed_pdf", "PeopleView.signatures"):
        return cfg["admin"] or cfg.get("field_level", 0) >= 3  # the signed PDF is the whole file, unmasked
    if endpoint == "SyllView.sign_print":  # officers of the file: write or approve on its unit
        return cfg["admin"] or bool({("can_write", "PersonnelFile"), ("can_approve", "PersonnelFile")}
                                    & set(cfg["permissions"]))
    if endpoint in ("TransfersView.move", "TransfersView.package"):
        return cfg["admin"]  # the competent authority of the profile: Sở Nội vụ (HN-12.1, HCM-8.2)
    if endpoint in ("TransfersView.new", "TransfersView.receive", "TransfersView.complete", "TransfersView.cancel"):
        return cfg["admin"] or ("can_write", "PersonnelFile") in cfg["permissions"]  # the unit's TCCB officer
    if endpoint in ("DataIssuesView.resolve", "DataIssuesView.reject"):  # issue 17: the officers of the file's unit
        return cfg["admin"] or ("can_write", "PersonnelFile") in cfg["permissions"]
    if endpoint == "NationalSyncView.manifest":  # issue 18: the manifest lists identifiers (level 2)
        return cfg["admin"] or cfg.get("field_level", 0) >= 2
    if endpoint == "NationalSyncView.return_batch":  # the profile's approver (Hà Nội: Sở Nội vụ's Director, officers)
        from app.profiles import active_profile

        return cfg["name"] in active_profile().national_sync.approve_authority.roles
    if endpoint in ("ChangeSetsView.approve", "ChangeSetsView.send_back"):
        # The workflow decides who acts (read suffices for the route): in Hà Nội, holders of approve (HN-6.4).
        return cfg["admin"] or ("can_approve", "PersonnelFile") in cfg["permissions"]
    return True


def fingerprint(db):
    return url_fingerprint(db.session, only=FINGERPRINT_TABLES)


def build_url(rule, endpoint, objs, where):
    """The URL of ``rule`` with its ``pk`` (and friends) pointing at the inside or outside object."""
    view = endpoint.split(".")[0]
    idx = 0 if where == "inside" else 1
    values = {}
    for arg in rule.arguments:
        if arg == "pk":
            values[arg] = objs[PK_KIND[view]][idx]
        elif arg in OBJECT_ARGS:
            values[arg] = objs[OBJECT_ARGS[arg]][idx]
        elif arg == "filename":
            values[arg] = "khong_co.txt"
        else:
            values[arg] = FIXED_ARGS[arg][endpoint]
    url = rule.build(values, append_unknown=False)[1]
    if endpoint == "OrgTreeView.api_children":
        url += f"?parent={objs['unit'][idx]}"
    return url


def cases(app, objs):
    """Every (endpoint, method, url, where, data) to try; ``where`` is inside/outside/None (no object)."""
    for endpoint, rule, methods in routes(app):
        has_object = (any(a == "pk" or a in OBJECT_ARGS for a in rule.arguments)
                      or endpoint == "OrgTreeView.api_children")
        for method in methods:
            data = {}
            if endpoint == "OrgUnitModelView.action_post":
                for where, idx in (("inside", 0), ("outside", 1)):
                    yield endpoint, method, rule.rule, where, {"action": "export_csv", "rowid": objs["unit"][idx]}
                continue
            if has_object:
                for where in ("inside", "outside"):
                    yield endpoint, method, build_url(rule, endpoint, objs, where), where, data
            else:
                yield endpoint, method, build_url(rule, endpoint, objs, "inside"), None, data


def test_the_matrix_knows_every_view(app):
    """The matrix walks every registered view of ours: a new view must say what its ``pk`` names (or that it has
    none), or why it is not walked."""
    unknown = sorted(registered_views(app) - set(NOT_WALKED) - set(PK_KIND) - NO_PK_VIEWS)
    assert not unknown, f"views unknown to the permission matrix (add them to PK_KIND or NO_PK_VIEWS): {unknown}"
    assert not (set(PK_KIND) | NO_PK_VIEWS) - registered_views(app), "views that are not registered any more"
    for endpoint, rule, _methods in routes(app):
        view = endpoint.split(".")[0]
        for arg in rule.arguments:
            assert (arg == "pk" and view in PK_KIND) or arg in OBJECT_ARGS or arg == "filename" or (
                endpoint in FIXED_ARGS.get(arg, {})), f"{endpoint}: the matrix has no value for <{arg}>"


@pytest.mark.parametrize("username", USERS, ids=lambda u: u or "anonymous")
def test_permission_matrix(app, client, world, username):
    """Each role gets exactly what its permissions and its scope allow, on every route (HN-8.2, HN-9.2)."""
    db = current_app.extensions["sqlalchemy"]
    current_app.extensions.pop("test_role_permissions", None)  # the roles as they are for this test
    if username:
        assert login(client, username).status_code == 302
    failures = []
    tried = 0
    for endpoint, method, url, where, data in cases(app, world):
        before = fingerprint(db)
        resp = client.open(url, method=method, data=data)
        status = resp.status_code
        tried += 1
        if endpoint.split(".")[1] in ("action", "action_post") and not view_object(app, endpoint).actions:
            ok, expected = status == 404 and fingerprint(db) == before, "404 (the view has no actions) and no change"
        elif username is None:
            if endpoint in PUBLIC:
                ok, expected = status in (200, 302, 400), "public"
            else:
                ok = status == 403 or (status == 302 and "/login" in resp.headers["Location"])
                expected = "login or 403"
        elif endpoint in PUBLIC:
            ok, expected = status in (200, 302, 400), "public"
        else:
            perm = required_permission(app, endpoint)
            allowed = holds(username, *perm)
            if allowed and where is not None:
                unscoped = PK_KIND.get(endpoint.split(".")[0]) in UNSCOPED_KINDS
                allowed = (unscoped or covers(username, where)) and extra_rule(endpoint, username, where)
            if not holds(username, *perm):
                ok, expected = status == 403, "403 (no permission)"
            elif endpoint.endswith(".download"):
                ok, expected = status == 404, "404 (no row in scope holds that file)"
            elif not allowed:
                ok, expected = status in (403, 404), "403/404 (out of scope)"
            else:
                # 409: allowed, but the change set was already decided by an earlier request of the walk
                ok, expected = status in (200, 302, 400, 409), "allowed"
                if endpoint in MAY_BE_ABSENT and status == 404:
                    ok, expected = fingerprint(db) == before, "absent (404) and no change"
            if ok and status in (403, 404):
                ok = fingerprint(db) == before
                expected += " and no change"
            if ok and status == 200 and method == "GET" and not covers(username, "outside") and resp.mimetype in (
                    "text/html", "application/json"):
                body = resp.get_data(as_text=True)
                leaked = [m for m in OUTSIDE_MARKERS if m in body]
                ok, expected = not leaked, f"no out-of-scope rows (leaked {leaked})"
        if not ok:
            failures.append(f"{method} {url} [{where}] -> {status}, expected {expected}")
        if username and status == 302 and "/login" in resp.headers.get("Location", ""):
            login(client, username)  # an action may have logged the user out (e.g. none here); stay signed in
    assert tried > 60
    assert not failures, "\n".join(failures)
