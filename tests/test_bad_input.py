"""Bad input is a Vietnamese 400 (or the form with its error), never a 500, and changes nothing (issue 13 §8).

One request guard refuses NUL and control characters (query, form, JSON, file names; tab/CR/LF only in
multi-line form values, never in ``next``); one integer parser bounds every integer query argument and the
``int`` URL converter; FAB's list parameters and ``<pk>`` are checked; the forms take column lengths from the
model. (The logging of 500s and the dropped connections of §13: ``tests/test_error_path.py``.)
"""

import io

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict

from models.accounts import Account, PasswordRequest
from models.audit import AccessLog
from models.org_units import OrgUnit
from models.personnel import Attachment, ChangeItem, ChangeSet, Person
from tests.clients import body, client_for, count
from tests.factories import IsolatedClient, account, person_for
from tests.url_routes import build_url, routes

NUL = "a\x00b"
HUGE = "99999999999999999999"
SUPERSCRIPT = "²"
CRLF = "a\r\nSet-Cookie: x=1"
BAD_VALUES = (NUL, HUGE, SUPERSCRIPT, CRLF)


def snapshot(db) -> dict:
    """Row counts of the tables a bad request could write to."""
    return {m.__name__: count(db, m) for m in (Account, PasswordRequest, Person, ChangeItem, ChangeSet, OrgUnit)}


def refused(resp) -> bool:
    """A Vietnamese 4xx page (or JSON error)."""
    return 400 <= resp.status_code < 500


# --------------------------------------------------------------------------- one test per class


def test_nul_in_login_is_400_and_logs_nothing_broken(app, demo):
    """§8: a NUL in the login form is a 400 before FAB queries the user (PostgreSQL refuses NUL in text)."""
    c = IsolatedClient(app, app.response_class, use_cookies=True)
    before = count(demo, AccessLog)
    resp = c.post("/login/", data={"username": "sonoivu.admin\x00", "password": "Demo@2026"})
    assert resp.status_code == 400
    assert "ký tự không hợp lệ" in body(resp)
    resp = c.post("/login/", data={"username": "sonoivu.admin", "password": "x\x00"})
    assert resp.status_code == 400
    resp = c.post("/api/v1/security/login", json={"username": "sonoivu.admin\x00", "password": "Demo@2026",
                                                   "provider": "db"})
    assert resp.status_code == 400  # the JSON body of the API login too
    assert count(demo, AccessLog) == before  # the guard answered before any login attempt was logged


def test_nul_in_lost_password_is_400(app, demo):
    """§8: the lost-password form with a NUL writes no request."""
    c = IsolatedClient(app, app.response_class, use_cookies=True)
    before = snapshot(demo)
    resp = c.post("/lost-password/", data={"username": "annv.syt\x00", "contact": "0912345678", "note": "x"})
    assert resp.status_code == 400
    assert snapshot(demo) == before


def test_nul_in_a_search_and_a_filter_is_400(app, demo):
    """§8: the person search, the unit search (JSON) and FAB's list filters refuse a NUL."""
    c = client_for(app)
    assert c.get("/people/?q=" + "ab%00c").status_code == 400
    assert c.get("/org/api/search?q=a%00").status_code == 400
    assert c.get("/accounts/?q=a%00b").status_code == 400
    assert c.get("/workdays/overrides/list/?_flt_0_reason=a%00b").status_code == 400


def test_nul_in_an_upload_file_name_is_400(app, demo):
    """§8: an uploaded file whose name holds a NUL is refused before the view stores anything; the same
    upload with a clean name is accepted."""
    db = demo
    person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    staff = client_for(app, "annv.syt")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

    def upload(name):
        return staff.post("/my/file/attachments", data={
            "attachment-file": (io.BytesIO(pdf), name), "attachment-kind": "quyet_dinh",
            "attachment-section": "work", "attachment-description": "Bản sao"}, content_type="multipart/form-data")

    before = count(db, Attachment)
    resp = upload("Quyết định\x00.pdf")
    assert resp.status_code == 400 and "ký tự không hợp lệ" in body(resp)
    assert count(db, Attachment) == before
    assert upload("Quyết định tuyển dụng.pdf").status_code == 302
    assert count(db, Attachment) == before + 1


def test_huge_and_unicode_digit_numbers_are_400(app, demo):
    """§8: page numbers beyond 64 bits and digits that ``int()`` refuses (``²``) are a 400 in Vietnamese."""
    c = client_for(app)
    for url in ("/people/?page=" + HUGE, "/people/?page=" + SUPERSCRIPT, "/notifications/?page=" + HUGE,
                "/people/changes/?page=" + HUGE, "/audit/changes/?page=" + HUGE,
                "/org/api/children?parent=1&offset=" + HUGE, "/accounts/?offset=" + HUGE):
        resp = c.get(url)
        assert resp.status_code == 400, url
        assert "số nguyên" in body(resp) or "Tham số" in body(resp) or resp.is_json, url
    assert c.get("/people/" + HUGE).status_code == 404  # the int converter is bounded


def test_fab_action_url_with_a_non_numeric_id_is_404(app, demo):
    """§8: FAB's ``/show/<pk>``, ``/edit/<pk>`` and ``/action/<name>/<pk>`` with a non-numeric or huge id."""
    c = client_for(app)
    before = snapshot(demo)
    for bad in ("abc", SUPERSCRIPT, HUGE):
        assert c.post(f"/org-units/action/export_csv/{bad}").status_code == 404, bad
        assert c.post("/org-units/action_post", data={"action": "export_csv", "rowid": ["1", bad]}).status_code == 404
    for url in ("/org-units/show/abc", "/org-units/show/" + HUGE, "/org-units/show/" + SUPERSCRIPT,
                "/workdays/overrides/show/1x", "/workdays/overrides/edit/" + HUGE):
        assert c.get(url).status_code == 404, url
    assert c.get("/org-units/edit/" + SUPERSCRIPT).status_code == 403  # no permission: FAB's answer comes first
    assert c.post("/org-units/action_post", data={"action": "export_csv", "rowid": ["1"]}).status_code == 200
    assert snapshot(demo) == before


def test_fab_paging_and_ordering_params_are_checked(app, demo):
    """§8: ``page_<view>``, ``psize_<view>`` and ``_oc_``/``_od_`` of FAB's lists: a 400, never a 500."""
    c = client_for(app)
    base = "/workdays/overrides/list/"
    view = "WorkdayOverrideView"
    assert c.get(base).status_code == 200
    for query in (f"page_{view}={HUGE}", f"page_{view}={SUPERSCRIPT}", f"psize_{view}={HUGE}",
                  f"psize_{view}=abc", f"_oc_{view}=no_such_column&_od_{view}=asc",
                  f"_oc_{view}=day&_od_{view}=sideways"):
        assert c.get(f"{base}?{query}").status_code == 400, query
    assert c.get(f"{base}?_oc_{view}=day&_od_{view}=desc&page_{view}=0&psize_{view}=25").status_code == 200


def test_too_long_last_name_is_a_field_error(app, demo):
    """§8: a last name of 65 characters (``ab_user.last_name`` is 64) is shown next to its field, not a 500;
    the personnel form reports a name longer than its column as a field error too; nothing is written."""
    db = demo
    c = client_for(app)
    unit = account(db, "syt.tccb").org_unit
    before = snapshot(db)
    resp = c.post("/accounts/new", data={"last_name": "Nguyễn" + "x" * 59, "first_name": "An", "username": "",
                                         "email": "", "kind": "personal", "role_name": "Cán bộ công chức",
                                         "org_unit_id": unit.id, "request_number": "12/CV"})
    assert resp.status_code in (200, 400)
    assert "Tối đa 64 ký tự" in body(resp)
    assert snapshot(db) == before

    person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    staff = client_for(app, "annv.syt")
    before = snapshot(db)
    resp = staff.post("/my/file/edit/identity", data={"family_name": "N" * 101, "given_name": "An", "gender": "nam"})
    assert resp.status_code == 400
    assert "dài quá 100 ký tự" in body(resp)
    resp = c.post("/people/new", data={"org_unit_id": unit.id, "category": "vien_chuc", "full_name": "",
                                       "family_name": "N" * 101, "middle_name": "", "given_name": "An",
                                       "gender": "nam", "birth_date": "03/1990", "cccd": ""})
    assert resp.status_code == 400 and "dài quá 100 ký tự" in body(resp)
    assert snapshot(db) == before


def test_crlf_in_next_is_no_header_injection(app, demo):
    """§8: CR/LF in ``next`` is refused; no response carries an injected header."""
    c = IsolatedClient(app, app.response_class, use_cookies=True)
    resp = c.post("/login/?next=/people/%0d%0aSet-Cookie:%20x=1", data={"username": "sonoivu.admin",
                                                                         "password": "Demo@2026"})
    assert resp.status_code == 400
    assert "Set-Cookie: x=1" not in str(resp.headers) and "x=1" not in resp.headers.get("Location", "")
    resp = c.get("/login/?next=%0d%0ahttp://evil.example/")
    assert resp.status_code == 400
    # a posted ``next`` may not carry CR/LF either, while a multi-line note may
    c = client_for(app)
    assert c.post("/lost-password/", data={"next": "/\r\nX: y"}).status_code == 400


# --------------------------------------------------------------------------- the whole URL map


class _RecordingArgs(ImmutableMultiDict):
    """Query arguments that remember which names a view read."""

    seen: set = set()

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's name)
        _RecordingArgs.seen.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        _RecordingArgs.seen.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        _RecordingArgs.seen.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        _RecordingArgs.seen.add(key)
        return super().__contains__(key)


class _RecordingRequest(Request):
    parameter_storage_class = _RecordingArgs


SKIP_ENDPOINTS = ("static", "logout", ".delete", ".action", "appbuilder.static")


def _walk(app, method: str, skipped: tuple[str, ...]) -> list[tuple[str, str]]:
    """(endpoint, URL) of every ``method`` route of the URL map but the skipped ones (``tests/url_routes.py``)."""
    return sorted({(rule.endpoint, build_url(app, rule)) for rule in routes(app, method)
                   if not any(s in rule.endpoint for s in skipped)})


def _fab_list_args(app, endpoint):
    view_name = endpoint.split(".", 1)[0]
    for view in app.appbuilder.baseviews:
        if type(view).__name__ == view_name and hasattr(view, "datamodel") and endpoint.endswith(".list"):
            return [f"page_{view_name}", f"psize_{view_name}", f"_oc_{view_name}", f"_od_{view_name}"]
    return []


def test_every_get_route_answers_bad_input_below_500(app, demo, monkeypatch):
    """§8, acceptance: every GET route of the URL map, as the city administrator, with a NUL, a huge number,
    ``²`` and CR/LF in every query argument it reads, answers below 500 and changes no row."""
    db = demo
    person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    c = client_for(app)
    monkeypatch.setattr(app, "request_class", _RecordingRequest)
    before = snapshot(db)
    failures = []
    sent = 0
    walk = _walk(app, "GET", SKIP_ENDPOINTS)
    assert len(walk) > 60
    for endpoint, url in walk:
        _RecordingArgs.seen = set()
        try:
            c.get(url)
        except Exception as exc:  # noqa: BLE001 (a 500 in testing mode propagates)
            failures.append(f"{url}: {exc!r}")
            continue
        names = (_RecordingArgs.seen | set(_fab_list_args(app, endpoint)) | {"next", "q"}) - {""}
        for name in sorted(names):
            for bad in BAD_VALUES:
                sent += 1
                try:
                    resp = c.get(url, query_string={name: bad})
                except Exception as exc:  # noqa: BLE001
                    failures.append(f"{url}?{name}={bad!r}: {exc!r}")
                    db.session.rollback()
                    continue
                if resp.status_code >= 500:
                    failures.append(f"{url}?{name}={bad!r}: {resp.status_code}")
    assert not failures, "\n".join(failures)
    assert sent > 400  # every route was called with every bad value in each argument it reads
    assert snapshot(db) == before


#: POST routes the walk leaves out: they end the admin's session or change its own account.
SKIP_POST = ("logout", "login", "password", ".lock", ".reset_password", ".rename", ".delete")


def test_every_post_route_answers_bad_form_input_below_500(app, demo, monkeypatch):
    """§8: every POST route, as the city administrator, with a huge number, ``²``, a NUL, a negative number
    and a 400-character text in each form field it reads, answers below 500."""
    db = demo
    person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    c = client_for(app)
    monkeypatch.setattr(app, "request_class", _RecordingRequest)
    failures = []
    walk = _walk(app, "POST", SKIP_POST)
    assert len(walk) > 40
    for _endpoint, url in walk:
        _RecordingArgs.seen = set()
        try:
            c.post(url, data={})
        except Exception as exc:  # noqa: BLE001 (a 500 in testing mode propagates)
            failures.append(f"POST {url}: {exc!r}")
            db.session.rollback()
            continue
        for name in sorted(_RecordingArgs.seen - {""}):
            for bad in (HUGE, SUPERSCRIPT, NUL, "-5", "x" * 400):
                try:
                    resp = c.post(url, data={name: bad})
                except Exception as exc:  # noqa: BLE001
                    failures.append(f"POST {url} {name}={bad[:12]!r}: {exc!r}")
                    db.session.rollback()
                    continue
                if resp.status_code >= 500:
                    failures.append(f"POST {url} {name}={bad[:12]!r}: {resp.status_code}")
    assert not failures, "\n".join(failures)
