"""HN-21.6: the quarterly data-quality report — the head signs the unit's Đúng – Đủ – Sạch – Sống figures and sends
them to Sở Nội vụ by the 25th of the quarter's last month; reminders before and after; once per quarter; only in
the cities whose regulation asks for it (a profile's ``quality_report_day``)."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.security import scope
from app.services.errors import ForbiddenError, ValidationError
from app.services.reports import quality, quarterly
from models.data_quality import QualityReport
from models.notifications import Notification
from tests.clients import body, client_for
from tests.factories import PASSPHRASE, account, use_profile, with_certificates


@pytest.fixture()
def december(monkeypatch):
    monkeypatch.setattr(scope, "today", lambda: date(2026, 12, 7))


def test_due_dates_come_from_the_profile_hn_21_6(app, db, monkeypatch):
    """HN-21.6: the 25th of March, June, September and December (a day off moves it to the next working day);
    Hồ Chí Minh City asks for no such report."""
    use_profile(app, monkeypatch, "hanoi")
    assert [quarterly.due_date(2026, q) for q in (1, 2, 3, 4)] == [
        date(2026, 3, 25), date(2026, 6, 25), date(2026, 9, 25), date(2026, 12, 25)]
    assert quarterly.due_date(2027, 4) == date(2027, 12, 27)  # Saturday 25/12/2027 → Monday
    use_profile(app, monkeypatch, "hcm")
    assert quarterly.due_date(2026, 4) is None


def test_head_signs_and_sends_the_quarterly_report_hn_21_6(app, demo_people, unit_by_name, dev_ca, monkeypatch,
                                                          december):
    """The head of Sở Y tế signs the quarter's figures through the quality page; the PDF verifies; Sở Nội vụ's
    officers are told; a second report for the quarter, a TCCB officer or a wrong passphrase is refused with
    nothing written; the reminders name the agencies that have not sent theirs."""
    from app.signing import verify_pdf
    from jobs.reminders import run_reminders

    use_profile(app, monkeypatch, "hanoi")
    db = demo_people
    unit = unit_by_name("Sở Y tế")
    with_certificates(db, dev_ca, "syt.thutruong", "syt.tccb")
    counts = run_reminders(date(2026, 12, 23), send_email=False)
    assert counts["quality_report_due"] >= 1
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "quality_report_due", Notification.user_id == account(db, "syt.thutruong").id)) == 1
    with pytest.raises(ForbiddenError):
        quarterly.submit_quarterly(account(db, "syt.tccb"), unit.id, 2026, 4, PASSPHRASE)
    head = client_for(app, "syt.thutruong")
    page = body(head.get(f"/reports/quality/unit/{unit.id}"))
    assert 'id="quarterly-form"' in page and "25/12/2026" in page
    resp = head.post(f"/reports/quality/unit/{unit.id}/quarterly", data={"passphrase": "sai"}, follow_redirects=True)
    import re
    flashed = " ".join(re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', body(resp), re.S))
    assert "mật khẩu" in flashed.lower(), flashed
    assert db.session.scalar(select(func.count()).select_from(QualityReport)) == 0
    resp = head.post(f"/reports/quality/unit/{unit.id}/quarterly", data={"passphrase": PASSPHRASE})
    assert resp.status_code == 302
    report = db.session.scalar(select(QualityReport))
    _unit, row = quality.unit_summary(account(db, "sonoivu.admin"), unit.id)
    assert (report.year, report.quarter, report.due_date) == (2026, 4, date(2026, 12, 25))
    assert report.figures["people"] == row.people and report.figures["clean"] == row.clean
    reports = verify_pdf(report.pdf)
    assert len(reports) == 1 and reports[0].valid
    told = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "quality_report", Notification.user_id == account(db, "sonoivu.chuyenvien").id))
    assert told == 1
    with pytest.raises(ValidationError, match="đã được gửi"):
        quarterly.submit_quarterly(account(db, "syt.thutruong"), unit.id, 2026, 4, PASSPHRASE)
    pdf = client_for(app, "sonoivu.chuyenvien").get(f"/reports/quality/report/{report.id}")
    assert pdf.status_code == 200 and pdf.data == report.pdf
    assert client_for(app, "syt.tccb").get(f"/reports/quality/report/{report.id}").status_code == 200
    run_reminders(date(2026, 12, 28), send_email=False)
    overdue = set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "quality_report_overdue", Notification.object_id == 2026 * 10 + 4)))
    assert overdue and account(db, "syt.thutruong").id not in overdue  # Sở Y tế sent the fourth quarter's
