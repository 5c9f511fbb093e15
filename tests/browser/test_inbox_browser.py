"""Browser test of the approver's inbox in real headless Chromium (pytest-playwright, sync API).

The head of Sở Y tế signs in, opens "Đề nghị chờ duyệt", ticks three change sets and approves them at once;
the page follows the background job's progress and shows each outcome (HN-6.4, issue 8 acceptance).
"""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.factories import PASSWORD, shot

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture()
def three_submitted(app, db, unit_by_name, monkeypatch):
    """Hà Nội profile, jobs in-process, and three change sets submitted by the TCCB officer in Khoa Cấp cứu."""
    from app.services import code_lists
    from tests.factories import officer_change

    monkeypatch.setitem(app.config, "CITY_PROFILE", "hanoi")
    monkeypatch.setitem(app.extensions, "rq_queue", None)
    code_lists.load_code_lists()
    unit = unit_by_name("Khoa Cấp cứu")
    return [officer_change(db, unit, n).id for n in range(3)]


def test_head_bulk_approves_three_change_sets_from_the_inbox(page: Page, live_server, db, three_submitted,
                                                             js_errors):
    """HN-6.4: sign in as the head, tick three change sets in the inbox, approve them at once, follow the
    progress to the end and see "Đã duyệt" for each; the database agrees (three new versions)."""
    from models.personnel import ChangeSet, FileVersion

    page.goto(live_server + "/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.fill("#username", "syt.thutruong")
    page.fill("#password", PASSWORD)
    page.locator("#username").press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login/"))

    page.goto(live_server + "/people/changes/")
    rows = page.locator("#inbox-list tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#inbox-count")).to_contain_text("3 đề nghị")
    expect(rows.first.locator(".window")).to_contain_text("Cửa sổ phê duyệt")
    expect(page.locator("#btn-bulk-approve")).to_be_disabled()
    expect(page.locator("#passphrase-group")).to_be_hidden()  # no signature in Hà Nội
    for cs_id in three_submitted:
        page.locator(f'#inbox-list input.row-select[value="{cs_id}"]').check()
    expect(page.locator("#selected-count")).to_contain_text("Đã chọn 3 đề nghị")
    expect(page.locator("#select-all")).to_be_checked()
    shot(page, "inbox_selected.png")
    page.fill("#comment", "Đồng ý các thay đổi")
    page.click("#btn-bulk-approve")

    expect(page).to_have_url(re.compile(r"/people/changes/\?bulk=\d+"))
    progress = page.locator("#bulk-progress")
    expect(progress).to_have_attribute("data-status", "finished")
    expect(page.locator("#bulk-bar")).to_have_text("100%")
    expect(page.locator("#bulk-counts")).to_contain_text("3/3")
    outcomes = page.locator("#bulk-results tbody tr")
    expect(outcomes).to_have_count(3)
    for cs_id in three_submitted:
        expect(page.locator(f'#bulk-results tr[data-result-id="{cs_id}"] .bulk-outcome')).to_have_text("Đã duyệt")
    expect(page.locator("#no-pending")).to_be_visible()
    shot(page, "inbox_bulk_done.png")

    db.session.expire_all()
    sets = list(db.session.scalars(select(ChangeSet).where(ChangeSet.id.in_(three_submitted))))
    assert [cs.status for cs in sets] == ["approved"] * 3
    assert all(cs.version_id is not None for cs in sets)
    versions = db.session.scalars(select(FileVersion.change_set_id).where(FileVersion.change_set_id.isnot(None)))
    assert sorted(versions) == sorted(three_submitted)
