"""Issue 13 item 7 in real headless Chromium: the main pages satisfy the Content-Security-Policy (no "Refused to
…" in the console) and their JavaScript still works; with CSRF on, FAB's delete is a POST carrying the token.

The server is an app built with CSRF enabled (as in production), served on 127.0.0.1 in a thread.
"""

import re
import threading

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text
from werkzeug.serving import make_server

from tests.factories import PASSWORD, TIMEOUT_MS, CsrfConfig, shot

pytestmark = pytest.mark.usefixtures("demo_people")

CSP_MARKERS = ("Content Security Policy", "Refused to", "Content-Security-Policy")


@pytest.fixture(scope="module")
def csrf_live_server(app):
    """The CSRF-enabled app served in a thread."""
    from app import create_app

    server = make_server("127.0.0.1", 0, create_app(CsrfConfig), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture()
def console(page: Page):
    """Every console message and page error; the test fails on any CSP violation or script error."""
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: seen.append(f"pageerror: {exc}"))
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    yield seen
    violations = [m for m in seen if any(k in m for k in CSP_MARKERS) or m.startswith(("pageerror", "error"))]
    assert violations == [], "CSP violations or script errors:\n" + "\n".join(violations)


def test_main_pages_satisfy_the_csp_and_their_scripts_work(page: Page, csrf_live_server, db, console):
    """Issue 13 item 7: as the administrator — login, org tree (children load on demand), a unit picker (select2
    opens and searches), person list, a person's file page, the inbox, FAB's workday overrides and roles lists —
    with no CSP violation; deleting an override from FAB's list posts the form with its CSRF token."""
    base = csrf_live_server
    db.session.execute(text("INSERT INTO workday_override (day, kind, reason, created_at) "
                            "VALUES ('2031-01-02', 'off', 'Nghỉ thử CSP', now())"))
    db.session.commit()
    person = db.session.execute(text("SELECT min(id) FROM person WHERE version_no >= 1")).scalar()
    unit = db.session.execute(text("SELECT id FROM org_unit WHERE name = 'Sở Nội vụ'")).scalar()

    page.goto(base + "/login/")
    page.fill("#username", "sonoivu.admin")
    page.fill("#password", PASSWORD)
    page.locator("#username").press("Enter")
    expect(page).to_have_url(re.compile(r"/org/tree$"))

    root = page.locator("#org-tree li.unit-node").first
    root.locator(":scope > .unit-line > .tree-toggle").click()
    expect(root.locator(":scope > ul > li.unit-node").first).to_be_visible()  # fetched by org_tree.js

    page.goto(base + f"/org/units/{unit}/move")
    picker = page.locator(".select2-container").first
    expect(picker).to_be_visible()
    picker.locator(".select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("y te")
    expect(page.locator(".select2-results__option", has_text="Sở Y tế").first).to_be_visible()

    for url, marker in (("/people/", "table"), (f"/people/{person}", ".file-section"),
                        ("/people/changes/", "h2"), ("/roles/list/", "table.table-hover:not(.filters)")):
        response = page.goto(base + url)
        assert "'nonce-" in response.headers.get("content-security-policy", ""), url
        expect(page.locator(marker).first).to_be_visible()
    shot(page, "csp_roles.png")

    # The policy is really enforced (and this test would see a violation): a script without the nonce is refused.
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.__inline = 1';"
                  " document.body.appendChild(s); }")
    assert page.evaluate("() => window.__inline === undefined")
    page.wait_for_timeout(200)
    refused = [m for m in console if "inline script" in m and "Content Security Policy" in m]
    assert refused, console
    for message in refused:
        console.remove(message)

    page.goto(base + "/workdays/overrides/list/")
    row = page.locator("tr", has_text="Nghỉ thử CSP")
    expect(row).to_be_visible()
    row.locator("[id^='btn-delete-']").click()  # FAB's confirm dialog (ab_actions.js), then a POST form
    page.locator("#modal-confirm-ok").click()
    expect(page.locator("tr", has_text="Nghỉ thử CSP")).to_have_count(0)
    db.session.rollback()
    assert db.session.execute(text("SELECT count(*) FROM workday_override WHERE reason = 'Nghỉ thử CSP'")).scalar() == 0
