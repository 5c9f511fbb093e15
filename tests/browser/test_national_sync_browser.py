"""Browser test of Sở Nội vụ's approval queue (issue 18) in real headless Chromium: the officer opens "Dữ liệu"
→ "Phê duyệt của Sở Nội vụ" from the menu, ticks two agencies' monthly batches (checkboxes tied to the
form below the table by their ``form`` attribute, no script) and approves them in one go; the queue is empty after
and each batch page says it is being sent. Rules HN-14.1 (the window), HN-14.2 (Sở Nội vụ approves).
"""

import re
from datetime import UTC, datetime

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.security import scope
from app.security.roles import ROLE_HEAD
from app.services.national_sync import batches, outbox
from models.national_sync import SyncBatch
from tests.factories import PASSWORD, TZ, account, hr_officer, person_for


def test_officer_approves_two_batches_at_once(page: Page, live_server, demo, unit_by_name, monkeypatch, rq_queue,
                                              js_errors):
    """Two monthly batches submitted in the window are approved with one click; nothing is left in the queue."""
    moment = datetime(2026, 12, 29, 9, tzinfo=TZ).astimezone(UTC)
    monkeypatch.setattr(outbox, "_now", lambda: moment)
    monkeypatch.setattr(scope, "today", lambda: moment.astimezone(TZ).date())
    db = demo
    syt, stp = unit_by_name("Sở Y tế"), unit_by_name("Sở Tư pháp")
    person_for(db, unit_by_name("Khoa Cấp cứu"), name="Vũ Văn Một", cccd="001080031001", officer="sonoivu.admin")
    person_for(db, unit_by_name("Phòng Hành chính tư pháp"), name="Vũ Văn Hai", cccd="001080031002",
               officer="sonoivu.admin")
    hr_officer(db, "stp.thutruong", stp, role_name=ROLE_HEAD)
    submitted = [batches.submit_monthly(account(db, "syt.thutruong"), syt.id),
                 batches.submit_monthly(account(db, "stp.thutruong"), stp.id)]

    page.goto(live_server + "/login/")
    page.fill("#username", "sonoivu.chuyenvien")
    page.fill("#password", PASSWORD)
    page.locator("#username").press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login/"))
    page.wait_for_load_state()
    page.locator(".navbar a.dropdown-toggle", has_text="Dữ liệu").click()
    page.locator(".navbar a", has_text="Phê duyệt của Sở Nội vụ").click()
    rows = page.locator("#sync-queue tr.sync-queued")
    expect(rows).to_have_count(2)
    for batch in submitted:
        page.locator(f'input.sync-pick[value="{batch.id}"]').check()
    page.locator("#sync-approve-button").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã phê duyệt 2 đợt")
    expect(page.locator("#empty-list")).to_be_visible()
    db.session.expire_all()
    assert {b.state for b in db.session.scalars(select(SyncBatch))} == {"sending"}
    page.goto(live_server + f"/national-sync/batch/{submitted[0].id}")
    expect(page.locator("#sync-batch-state")).to_have_text("Đang gửi")
    expect(page.locator("#sync-items tr.sync-item")).to_have_count(1)
