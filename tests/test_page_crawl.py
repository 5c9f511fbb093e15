"""Vietnamese everywhere (issue 15 item 4): a crawl of every page as every demo role.

Each demo role logs in, starts from the landing page and visits every GET page it can reach: the links of the
pages it reads (within the app) plus every registered GET route, its arguments filled from the demo data (a few
objects per route, in and out of the role's scope). Downloads, PDFs, JSON, the language switch and logging out
are not visited. Every page must answer without a server error, and its visible text (text nodes outside
scripts and styles, plus the attributes a user sees: title, placeholder, aria-label, alt, button and field
values, select2's data-placeholder) must hold no English word of :data:`ENGLISH`, no Python value (``None``,
``True``, ``False``, ``[]``, ``object at 0x``) and no rule id of the regulations (HN-6.3, HCM-15.4, ND27-…).
"""

import html
import json
import re
import time
from collections import defaultdict
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from lxml import etree
from sqlalchemy import select, text

from app import workdays as wd
from jobs.reminders import run_reminders
from models.accounts import Account
from tests.clients import client_for
from tests.factories import use_profile
from tests.url_routes import build_url, routes

USERS = ["sonoivu.admin", "sonoivu.chuyenvien", "sonoivu.giamdoc", "syt.quantri", "syt.tccb", "syt.thutruong",
         "annv.syt", "xem.baocao"]

#: English words a Vietnamese page must not show (case-sensitive, whole words: none of them is a Vietnamese
#: word, with or without its diacritics). Multi-word entries are phrases of Flask-AppBuilder and WTForms.
ENGLISH = [
    "Cancel", "Save", "Delete", "Edit", "Search", "Add", "List", "Show", "Back", "Remove", "Yes", "Actions",
    "Action", "Record", "Records", "Filter", "Filters", "Refresh", "Security", "User", "Users", "Role", "Roles",
    "Login", "Logout", "Home", "Language", "Page", "Next", "Previous", "Submit", "Loading", "Select", "Close",
    "Confirm", "Permission", "Permissions", "Statistics", "Chart", "Password", "Reset", "Username", "Active",
    "Created", "Changed", "Details", "Detail", "Create", "Update", "Clear", "Apply", "Please", "Invalid",
    "Forbidden", "Error", "Warning", "Success", "Choose", "Open", "Help", "Settings", "Sign", "Profile",
    "Upload", "Download", "Export", "Import", "Print", "Total", "Name", "Description", "Date", "Type", "Status",
    "Group", "Groups", "Count", "First", "Last", "Info", "Information", "Menu View", "View Menus", "Send",
    "Not found", "Access is Denied", "Are you sure", "No records found", "Remove all items", "Starts with",
    "Ends with", "Contains", "Equal to", "Not Equal to", "Greater than", "Smaller than", "Relation",
    "No results found", "Searching", "Please enter", "This field is required", "Not a valid", "of", "OK",
    # status codes shown instead of their labels
    "pending", "approved", "submitted", "returned", "rejected", "draft", "active", "closed", "resolved", "failed",
    "finished", "running", "queued", "revoked", "expired",
]
ENGLISH_RE = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in sorted(ENGLISH, key=len, reverse=True))
                        + r")(?![\w-])")
#: Python values and reprs that leak into a page.
PYTHON_RE = re.compile(r"(?<![\w-])(None|True|False)(?![\w-])|\[\]|\{\}|object at 0x")
#: Rule ids of the regulations (HN-6.3, HCM-7.2b, HCM-15.4, ND27-3 …): code and tests only.
RULE_RE = re.compile(r"\b(HN|HCM|ND27|NĐ27)-\d+(\.\d+)*[a-z]?\b")
#: A code shown instead of its label (``cong_chuc``, ``print_syll``, ``account_missing``).
CODE_RE = re.compile(r"(?<![\w.@/-])[a-z]+(?:_[a-z0-9]+)+(?![\w.@/-])")
#: An address shown as text (the paths of the access log).
URL_RE = re.compile(r"(?:(?<=\s)|^)(?:https?://|/)\S*")
#: A date shown the machine's way (2026-12-06) instead of dd/mm/yyyy.
ISO_DATE_RE = re.compile(r"(?<![\w/.-])\d{4}-\d{2}-\d{2}(?![\w/-])")

#: Attributes a user sees (as a tooltip, a placeholder, a label read aloud, a button's text).
SHOWN_ATTRS = {"title", "placeholder", "aria-label", "alt", "data-placeholder", "data-confirm", "label"}
#: Endpoints that are not pages: files, JSON, the language switch, leaving.
SKIP_ENDPOINTS = re.compile(
    r"(download|attachment|photo|print_syll|api_|\.export_status$|^static$|^appbuilder\.static$|^favicon$"
    r"|^LocaleView\.|^MenuApi\.|^UtilView\.back$|^AuthDBView\.logout|bulk_status|\.manifest$)")
#: Pages of one route visited per (endpoint, non-id arguments, query keys): a few objects are enough.
PER_SHAPE = 2
#: URL arguments that name an object by id (their value does not make a new shape of page).
ID_ARGS = {"pk", "cs_id", "att_id", "nid", "no", "export_id", "aid", "item_id", "transfer_id", "person_id"}


class VisibleText:
    """The text a user sees on a page: text nodes outside script/style/template and the shown attributes.

    A parser target of lxml's HTML parser (libxml2 reads the page in C; this gets its events): about five times
    faster than ``html.parser`` on the crawl's 4,500 pages, with the same events — the text between two tags
    arrives as one piece, character references converted."""

    HIDDEN = {"script", "style", "template", "noscript"}

    def __init__(self):
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0
        self._text: list[str] = []

    def _flush(self):
        if self._text:
            data, self._text = "".join(self._text), []
            if not self._hidden and data.strip():
                self.parts.append(data)
            elif self._hidden and "new AdminFilters(" in data:
                self.parts.extend(admin_filters_text(data))

    def start(self, tag, attrs):
        self._flush()
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "form" and (attrs.get("method") or "get").lower() == "get" and attrs.get("action"):
            self.links.append(attrs["action"])
        for name in SHOWN_ATTRS:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag in ("input", "button") and attrs.get("value") and attrs.get("type") not in ("hidden", "checkbox",
                                                                                           "radio"):
            self.parts.append(attrs["value"])

    def end(self, tag):
        self._flush()
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def data(self, data):
        self._text.append(data)

    def comment(self, text_):
        self._flush()

    def close(self):
        self._flush()


def admin_filters_text(script: str) -> list[str]:
    """What Flask-AppBuilder's filter box shows, from the JSON its script is given: the columns' labels, the
    fields (their HTML), the operations, the active filters."""
    rest = script[script.index("new AdminFilters("):].split(",", 1)[1]  # after the form's selector
    decoder, shown, pos = json.JSONDecoder(), [], 0
    while True:
        while pos < len(rest) and rest[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(rest) or rest[pos] not in "{[":
            return shown
        value, pos = decoder.raw_decode(rest, pos)
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, str):
                shown.append(read_page(item)[0] if "<" in item else item)


def read_page(page: str) -> tuple[str, list[str]]:
    """(visible text, one chunk per line, and the page's links)."""
    target = VisibleText()
    parser = etree.HTMLParser(target=target, no_network=True)
    parser.feed(page)
    parser.close()
    return "\n".join(" ".join(p.split()) for p in target.parts), target.links


def problems_of(visible: str) -> list[str]:
    """What a Vietnamese page must not show, each with its line of text."""
    found = []
    for line in visible.splitlines():
        words = URL_RE.sub(" ", line)  # an address (the access log's) is not a word of the page
        for kind, pattern, text_ in (("English", ENGLISH_RE, words), ("Python", PYTHON_RE, line),
                                     ("rule id", RULE_RE, line), ("ISO date", ISO_DATE_RE, line),
                                     ("code", CODE_RE, words)):
            for match in pattern.finditer(text_):
                found.append(f"{kind} {match.group(0)!r} in {line[:160]!r}")
    return found


def sample_ids(db) -> dict:
    """A few objects of each kind from the demo data, in and out of Sở Y tế's subtree (the agency roles' scope)."""
    one = lambda sql: [r[0] for r in db.session.execute(text(sql))]  # noqa: E731
    syt = one("SELECT path FROM org_unit WHERE name = 'Sở Y tế'")[0]
    units = (one(f"SELECT id FROM org_unit WHERE path LIKE '{syt}%' AND status = 'active' ORDER BY level DESC, id "
                 f"LIMIT 1")
             + one(f"SELECT id FROM org_unit WHERE path = '{syt}'")
             + one(f"SELECT id FROM org_unit WHERE path NOT LIKE '{syt}%' AND level > 1 ORDER BY id LIMIT 1"))
    people = one(f"SELECT p.id FROM person p JOIN org_unit u ON u.id = p.org_unit_id WHERE u.path LIKE '{syt}%' "
                 f"ORDER BY p.id LIMIT 2") + one(
        f"SELECT p.id FROM person p JOIN org_unit u ON u.id = p.org_unit_id WHERE u.path NOT LIKE '{syt}%' "
        f"ORDER BY p.id LIMIT 1")
    accounts = one("SELECT id FROM ab_user WHERE username IN ('annv.syt', 'sonoivu.chuyenvien') ORDER BY id")
    return {
        "unit": units, "person": people, "account": accounts,
        "role": one("SELECT id FROM ab_role ORDER BY id LIMIT 2"),
        "group": one("SELECT id FROM ab_group ORDER BY id LIMIT 2"),
        "permission": one("SELECT id FROM ab_permission ORDER BY id LIMIT 2"),
        "view_menu": one("SELECT id FROM ab_view_menu ORDER BY id LIMIT 2"),
        "permission_view": one("SELECT id FROM ab_permission_view ORDER BY id LIMIT 2"),
        "workday_override": one("SELECT id FROM workday_override ORDER BY id LIMIT 2"),
        "change_set": one("SELECT id FROM change_set ORDER BY id DESC LIMIT 2"),
        "consent": one("SELECT id FROM consent_grant ORDER BY id LIMIT 2"),
        "delegation": one("SELECT id FROM delegation ORDER BY id LIMIT 2"),
        "password_request": one("SELECT id FROM password_request ORDER BY id LIMIT 2"),
        "transfer": one("SELECT id FROM transfer ORDER BY id LIMIT 3"),
        # issue 17, staffing
        "quota": one("SELECT id FROM unit_quota ORDER BY id LIMIT 3"),
        "job_position": one("SELECT id FROM job_position ORDER BY id LIMIT 3"),
        # issue 18, national sync
        "sync_batch": one("SELECT id FROM sync_batch ORDER BY id LIMIT 3"),
    }


#: What the ``pk`` of each view names.
PK_KIND = {
    "OrgTreeView": "unit", "OrgUnitModelView": "unit", "AccountsView": "account", "QuickRolesView": "account",
    "PasswordRequestsView": "password_request", "ConsentView": "consent", "DelegationView": "delegation",
    "PeopleView": "person", "SyllView": "person", "WorkdayOverrideView": "workday_override",
    "UserDBModelView": "account", "RoleModelView": "role", "UserGroupModelView": "group",
    "PermissionModelView": "permission", "ViewMenuModelView": "view_menu",
    "PermissionViewModelView": "permission_view",
    "QuotasView": "quota", "JobPositionsView": "job_position",  # issue 17, staffing
}


def route_urls(app, ids) -> list[str]:
    """Every GET route that is a page, with its arguments filled from ``ids`` (one URL per object)."""
    urls = []
    for rule in routes(app, "GET"):
        if SKIP_ENDPOINTS.search(rule.endpoint):
            continue
        view = rule.endpoint.split(".")[0]
        pool = [None]
        if "pk" in rule.arguments:
            pool = ids.get(PK_KIND.get(view), []) or [999999]
        elif "cs_id" in rule.arguments:
            pool = ids["change_set"] or [999999]
        elif "transfer_id" in rule.arguments:
            pool = ids["transfer"] or [999999]
        elif "person_id" in rule.arguments:
            pool = ids["person"] or [999999]
        elif "batch_id" in rule.arguments:  # issue 18
            pool = ids.get("sync_batch") or [999999]
        kinds = [None]
        for arg in rule.arguments:
            match = re.search(r"<any\(([^)]*)\):" + arg + ">", rule.rule)
            if match:
                kinds = [c.strip() for c in match.group(1).split(",")]
        for obj in pool:
            for kind in kinds:
                values = {}
                if obj is not None:
                    key = next(a for a in ("pk", "cs_id", "transfer_id", "person_id", "batch_id")
                               if a in rule.arguments)
                    values[key] = obj
                if kind is not None:
                    values["kind"] = kind
                values.update({"no": 1, "nid": 999999, "export_id": 999999})
                urls.append(build_url(app, rule, {a: v for a, v in values.items() if a in rule.arguments}))
    return urls


def crawl(app, client, start: list[str]) -> tuple[dict, list[str]]:
    """Visit ``start`` and every in-app link found, a few pages per shape of URL; return (visits, failures)."""
    adapter = app.url_map.bind("localhost")
    seen, shapes, failures = set(), defaultdict(int), []
    queue = list(start)
    visits = {}
    while queue:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != "localhost" or not parts.path.startswith("/"):
            continue
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        if url in seen:
            continue
        seen.add(url)
        try:
            endpoint, args = adapter.match(parts.path, method="GET")
        except Exception:  # noqa: BLE001 - a link to something that is not a GET route (a 404/405 page)
            endpoint, args = "?", {}
        if SKIP_ENDPOINTS.search(endpoint):
            continue
        query_keys = tuple(sorted({k.split("=")[0] for k in parts.query.split("&") if k}))
        shape = (endpoint, tuple(sorted((k, v) for k, v in args.items() if k not in ID_ARGS)), query_keys)
        if shapes[shape] >= PER_SHAPE:
            continue
        shapes[shape] += 1
        resp = client.get(url)
        visits[url] = resp.status_code
        if resp.status_code >= 500:
            failures.append(f"{url}: {resp.status_code}")
            continue
        if resp.status_code in (301, 302, 303, 307, 308):
            queue.append(resp.headers["Location"])
            continue
        if resp.mimetype != "text/html":
            continue
        visible, links = read_page(resp.get_data(as_text=True))
        failures.extend(f"{url}: {p}" for p in problems_of(visible))
        queue.extend(html.unescape(link) for link in links if not link.startswith(("#", "javascript:", "mailto:")))
    return visits, failures


def test_the_checks_catch_what_they_look_for():
    """The detectors find each kind of leak and leave Vietnamese text alone."""
    page = ('<html><head><title>Danh sách</title><script>var x = "Cancel None";</script></head><body>'
            '<a href="/people/" title="Edit">Sửa</a><p>Đơn vị: None</p><p>Quy tắc (HN-6.3)</p>'
            '<input type="hidden" value="True"><input type="submit" value="Save"><p>&lt;Foo object at 0x7f&gt;</p>'
            '<span data-rule="HCM-15.4">Được tạo</span><p>Nguyễn Văn An, Hoà, không có dữ liệu []</p></body></html>')
    visible, links = read_page(page)
    found = problems_of(visible)
    assert links == ["/people/"]
    assert any("'Edit'" in f for f in found) and any("'Save'" in f for f in found)
    assert any("'None'" in f for f in found) and any("'[]'" in f for f in found)
    assert any("object at 0x" in f for f in found) and any("'HN-6.3'" in f for f in found)
    assert not any("Cancel" in f or "True" in f or "HCM-15.4" in f for f in found), found
    assert not problems_of("Danh sách hồ sơ cán bộ, công chức; Tìm kiếm; Thêm mới; Lưu; Hủy bỏ; Trang 1/3")


@pytest.fixture(params=["hanoi", "hcm"])
def city(request, app, monkeypatch):
    """The city profile, set before the demo is seeded (each profile has its own demo: chains, signatures)."""
    use_profile(app, monkeypatch, request.param)
    return request.param


def moves_of_the_demo(db, admin) -> None:
    """Moves to show (issue 16): one between agencies still on its way, one out of the city done — their lists,
    pages and the file in transit are crawled too."""
    from app.services import transfers as tr

    syt = db.session.scalar(text("SELECT path FROM org_unit WHERE name = 'Sở Y tế'"))
    people = [r[0] for r in db.session.execute(text(
        f"SELECT p.id FROM person p JOIN org_unit u ON u.id = p.org_unit_id WHERE u.path LIKE '{syt}%' "
        f"AND p.status = 'active' ORDER BY p.id DESC LIMIT 2"))]
    units = dict(db.session.execute(text("SELECT name, id FROM org_unit")).all())
    day = date.today()
    decision = {"decision_number": "15/QĐ-UBND", "decision_date": day, "effective_date": day}
    tr.record_move(admin, people[0], tr.MoveData(kind="between_agencies", to_unit_id=units["Sở Tư pháp"],
                                                 new_title="Chuyên viên", **decision))
    tr.record_move(admin, people[1], tr.MoveData(kind="out_of_city", external_place="Bộ Y tế", **decision))


def sync_of_the_demo(db) -> None:
    """Issue 18: national sync to show — Sở Y tế's files queued (one rejected with its receipt, one overdue), a
    monthly batch waiting for Sở Nội vụ, an event batch sent, a reconciliation that found differences."""
    from datetime import UTC, datetime

    from app.services.national_sync import outbox
    from models.national_sync import SyncBatch, SyncDifference, SyncReceipt, SyncReconciliation
    from models.personnel import FileVersion, Person

    syt_path, syt_id = db.session.execute(text("SELECT path, id FROM org_unit WHERE name = 'Sở Y tế'")).one()
    people = list(db.session.scalars(select(Person).join(Person.org_unit).where(text(
        f"org_unit.path LIKE '{syt_path}%'"), Person.status == "active").order_by(Person.id).limit(4)))
    items = []
    for person in people:
        version = db.session.scalar(select(FileVersion).where(FileVersion.person_id == person.id,
                                                              FileVersion.version_no == person.version_no))
        items.append(outbox.queue_version(person, version))
    now, month = datetime.now(UTC), date.today().strftime("%Y-%m")
    monthly = SyncBatch(agency_unit_id=syt_id, kind="monthly", period=month, batch_key=f"M-{syt_id}-{month}",
                        state="submitted", status="idle", record_count=2, submitted_at=now)
    sent = SyncBatch(agency_unit_id=syt_id, kind="event", period=month, batch_key=f"E-{syt_id}-crawl",
                     state="partial", status="finished", record_count=2, accepted_count=1, rejected_count=1,
                     approved_at=now)
    db.session.add_all([monthly, sent])
    db.session.flush()
    items[0].monthly_batch_id = items[1].monthly_batch_id = monthly.id
    items[2].batch_id = items[3].batch_id = sent.id
    items[2].status, items[2].answered_at = "accepted", now
    items[3].status, items[3].receipt_code, items[3].receipt_message = ("rejected", "INVALID-CODE",
                                                                        "Mã ngạch không có trong danh mục.")
    items[1].due_at = now - timedelta(days=2)
    db.session.flush()
    for item in items[2:]:
        db.session.add(SyncReceipt(item_id=item.id, batch_id=sent.id, chunk_key="E.crawl", national_batch_id="N1",
                                   idempotency_key=f"k{item.id}", status=item.status, code=item.receipt_code,
                                   message=item.receipt_message))
    run = SyncReconciliation(agency_unit_id=syt_id, status="differ", our_count=2, their_count=2, missing_count=1,
                             unexpected_count=1, different_count=0)
    db.session.add(run)
    db.session.flush()
    db.session.add_all([SyncDifference(reconciliation_id=run.id, kind="missing", person_id=people[2].id,
                                       our_version=people[2].version_no),
                        SyncDifference(reconciliation_id=run.id, kind="unexpected", identifier="079099000001",
                                       their_version=1)])
    db.session.commit()


def staffing_of_the_demo(db, admin) -> None:
    """Issue 17: quotas and positions to show (in Sở Y tế and in Sở Tư pháp), some people holding a position of
    another ngạch, so the staffing screens and reports have rows."""
    from app.services import staffing

    units = dict(db.session.execute(text("SELECT name, id FROM org_unit")).all())
    day = date.today()
    position = staffing.create_position(admin, staffing.PositionData(
        code="VT-CV", name="Chuyên viên tổng hợp", group="chuyen_mon", rank_code="01.003"))
    own = staffing.create_position(admin, staffing.PositionData(
        code="VT-BS", name="Bác sĩ điều trị", group="chuyen_mon", rank_code="V.08.01.03", org_unit_id=units["Sở Y tế"]))
    for name in ("Sở Y tế", "Sở Tư pháp"):
        staffing.set_quota(admin, units[name], day.year, "cong_chuc", 10, "1/QĐ-UBND", day)
        staffing.set_position_count(admin, position.id, units[name], 2, "2/QĐ-UBND", day)
    staffing.set_position_count(admin, own.id, units["Sở Y tế"], 3, "3/QĐ-SYT", day)
    db.session.execute(text("UPDATE person SET job_position_code = 'VT-CV' WHERE id IN "
                            "(SELECT id FROM person WHERE category = 'cong_chuc' ORDER BY id LIMIT 20)"))
    db.session.commit()


def test_every_page_as_every_role_is_vietnamese(app, city, demo_people):
    """Every role (and a visitor), every page it reaches, in both cities: no server error, no English, no Python
    values, no rule ids, no ISO dates, no codes."""
    admin = demo_people.session.scalar(select(Account).where(Account.username == "sonoivu.admin"))
    wd.add_override(admin, date(2031, 3, 3), "off", "Thông báo 3/TB-UBND")  # the overrides' show/edit pages
    # the bell and the notifications page have something to show: the reminders of the day the pending steps
    # are overdue
    last_due = demo_people.session.scalar(text("SELECT max(due_date) FROM approval_step WHERE status = 'pending'"))
    counts = run_reminders(last_due + timedelta(days=1), send_email=False)
    assert sum(n for kind, n in counts.items() if not kind.startswith("emails")), counts
    moves_of_the_demo(demo_people, admin)
    staffing_of_the_demo(demo_people, admin)
    sync_of_the_demo(demo_people)
    ids = sample_ids(demo_people)
    start = time.monotonic()
    report, total = [], 0
    for username in [None, *USERS]:
        client = client_for(app, username) if username else app.test_client()
        visits, failures = crawl(app, client, ["/"] + route_urls(app, ids))
        total += len(visits)
        report.extend(f"[{username or 'anonymous'}] {f}" for f in failures)
    elapsed = time.monotonic() - start
    print(f"{city}: {total} pages in {elapsed:.1f} s; reminders {counts}")
    assert total > 300
    assert not report, f"{len(report)} problems:\n" + "\n".join(sorted(set(report)))
