"""Small leaks closed (issue 13 §9): the print URL, the tree's focus, the unit search's trail, the photo.

HN-8.2 (scope: nothing outside it is named or confirmed), HN-4.3/HCM-6.2 (the photo is sensitive data, shown
only to readers of its level and to the person themself).
"""

import io
import json
import re

from PIL import Image
from sqlalchemy import select

from app.services import personnel as svc
from models.org_units import OrgUnit
from tests.clients import body, client_for
from tests.factories import account, person_for
from tests.url_routes import without_per_response_tokens


def city_root(db) -> OrgUnit:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id).limit(1))


def test_print_outside_scope_is_the_same_404_as_a_missing_file(app, demo, unit_by_name):
    """HN-8.2: the SYLL print URL answers an out-of-scope file exactly as a file that does not exist (404), so
    an officer cannot learn which ids exist elsewhere; like the file page."""
    db = demo
    outside = person_for(db, unit_by_name("Phòng Hành chính tư pháp"), name="Lò Văn Ngoaivi",
                         cccd="001080033333", officer="sonoivu.admin")
    officer = client_for(app, "syt.tccb")
    refused = officer.get(f"/people/syll/{outside.id}/print")
    missing = officer.get("/people/syll/999999/print")
    assert refused.status_code == missing.status_code == 404
    assert "Không tìm thấy hồ sơ." in body(refused) and "ngoài phạm vi" not in body(refused)
    assert without_per_response_tokens(body(refused)) == without_per_response_tokens(body(missing))


def test_tree_focus_outside_scope_is_ignored(app, demo, unit_by_name):
    """HN-8.2: ``/org/tree?focus=`` with a unit outside the user's scope embeds nothing of it; inside the scope,
    only the visible part of the path (no unit above the user's scope)."""
    db = demo
    root = city_root(db)
    officer = client_for(app, "syt.tccb")
    outside = unit_by_name("Phòng Hành chính tư pháp")
    page = body(officer.get(f"/org/tree?focus={outside.id}"))
    focus = json.loads(re.search(r'data-focus="([^"]*)"', page)[1])
    assert focus == []
    inside = unit_by_name("Khoa Cấp cứu")
    page = body(officer.get(f"/org/tree?focus={inside.id}"))
    focus = json.loads(re.search(r'data-focus="([^"]*)"', page)[1])
    assert focus and focus[-1] == inside.id and root.id not in focus
    admin = client_for(app, "sonoivu.admin")
    page = body(admin.get(f"/org/tree?focus={inside.id}"))
    assert json.loads(re.search(r'data-focus="([^"]*)"', page)[1])[0] == root.id


def test_search_trail_stops_at_the_users_scope(app, demo, unit_by_name):
    """HN-8.2: the unit search's trail names only units the user may see (not the city above Sở Y tế)."""
    db = demo
    root = city_root(db)
    officer = client_for(app, "syt.tccb")
    hits = officer.get("/org/api/search?q=Khoa Cấp cứu").get_json()["results"]
    assert hits
    for hit in hits:
        assert root.name not in hit["trail"], hit
        assert root.id not in hit["path"], hit
    assert any("Sở Y tế" in hit["trail"] for hit in hits)
    admin = client_for(app, "sonoivu.admin")
    hits = admin.get("/org/api/search?q=Khoa Cấp cứu").get_json()["results"]
    assert any(hit["trail"].startswith(root.name) for hit in hits)


def test_photo_only_for_readers_of_its_level(app, demo):
    """HN-4.3, HCM-6.2: the approved photo (sensitive, level 2) is a 404 with no ``<img>`` for a level-1 reader
    (Xem báo cáo); the person themself and a TCCB officer (level 3) still get it."""
    db = demo
    officer = account(db, "syt.tccb")
    person = person_for(db, account(db, "annv.syt").org_unit, "annv.syt")
    buf = io.BytesIO()
    Image.new("RGB", (120, 160), (200, 30, 30)).save(buf, "PNG")
    svc.set_photo(officer, person.id, buf.getvalue())
    svc.approve(account(db, "syt.thutruong"), svc.submit(officer, person.id).id)

    viewer = client_for(app, "xem.baocao")
    page = viewer.get(f"/people/{person.id}")
    assert page.status_code == 200
    assert f'src="/people/{person.id}/photo"' not in body(page) and 'class="media-object file-photo"' not in body(page)
    assert viewer.get(f"/people/{person.id}/photo").status_code == 404

    tccb = client_for(app, "syt.tccb")
    assert f'src="/people/{person.id}/photo"' in body(tccb.get(f"/people/{person.id}"))
    resp = tccb.get(f"/people/{person.id}/photo")
    assert resp.status_code == 200 and resp.data.startswith(b"\x89PNG")

    staff = client_for(app, "annv.syt")
    assert 'class="media-object file-photo"' in body(staff.get("/my/file/"))
    resp = staff.get("/my/file/photo")
    assert resp.status_code == 200 and resp.data.startswith(b"\x89PNG")
