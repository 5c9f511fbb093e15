"""The quarterly data-quality report (HN-21.6): each agency's head signs its Đúng – Đủ – Sạch – Sống figures and
submits them to Sở Nội vụ by the 25th of the quarter's last month (the fourth quarter's also stands for the year,
"trước ngày 31/12"); the reminders tell the heads when it is near or late.

The figures are those of ``quality.unit_summary`` at the moment of signing, kept as JSON next to the signed PDF
(``quality_report``: one per unit and quarter, never replaced). Whether a city asks for it is profile data
(``CityProfile.quality_report_day``: the day of the quarter's last month; None — Hồ Chí Minh City's regulation
has no such report).
"""

from __future__ import annotations

import hashlib
import io
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app import audit, workdays
from app.extensions import db
from app.profiles import active_profile
from app.security import scope
from app.security.permissions import RESOURCE_REPORT, SIGN
from app.services import notifications
from app.services.errors import Errors, ForbiddenError, NotFoundError, use_case
from app.services.reports import quality
from models.data_quality import QualityReport

__all__ = ["due_date", "quarter_of", "report_pdf", "reports_of", "submit_quarterly"]


def quarter_of(day: date) -> tuple[int, int]:
    """(year, quarter) of ``day``."""
    return day.year, (day.month - 1) // 3 + 1


def due_date(year: int, quarter: int) -> date | None:
    """The due day of a quarter's report under the active profile (None: the city asks for none): the profile's
    day of the quarter's last month, moved to the next working day when it is a day off."""
    day = active_profile().quality_report_day
    if day is None:
        return None
    return workdays.roll_forward(date(year, 3 * quarter, day))


def _figures(row: quality.QualityRow, day: date) -> dict:
    return {"day": day.isoformat(), "people": row.people, "clean": row.clean, "score": row.score,
            "criteria": {k: row.criteria[k] for k in quality.CRITERIA},
            "rules": {r.key: row.counts[r.key] for r in quality.RULES}, "open_issues": row.open_issues}


def report_pdf(unit, figures: dict, year: int, quarter: int) -> tuple[bytes, dict]:
    """(the PDF of the report with an empty signature field for the head, its signature boxes)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from app.pdf.fonts import BOLD, register_fonts
    from app.signing import FIELD_APPROVER

    regular, bold = register_fonts(), BOLD
    body = ParagraphStyle("body", fontName=regular, fontSize=11, leading=14)
    title = ParagraphStyle("title", fontName=bold, fontSize=13, leading=17, alignment=1)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=56, rightMargin=42, topMargin=48, bottomMargin=48,
                            title=_("Báo cáo chất lượng dữ liệu quý %(q)s năm %(y)s", q=quarter, y=year))
    day = date.fromisoformat(figures["day"])
    rows = [[_("Tiêu chí"), _("Nội dung kiểm tra"), _("Số hồ sơ chưa đạt")]]
    for key, label in quality.CRITERIA.items():
        for rule in [r for r in quality.RULES if r.criterion == key]:
            rows.append([str(label), str(rule.label), str(figures["rules"][rule.key])])
    table = Table(rows, colWidths=[60, 330, 100], repeatRows=1)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), regular, 10), ("FONT", (0, 0), (-1, 0), bold, 10),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("ALIGN", (2, 1), (2, -1), "RIGHT"),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    score = "—" if figures["score"] is None else f"{figures['score']:.1f}".replace(".", ",") + " %"
    story = [Paragraph(_("BÁO CÁO CHẤT LƯỢNG DỮ LIỆU CÁN BỘ, CÔNG CHỨC, VIÊN CHỨC"), title),
             Paragraph(_("Quý %(q)s năm %(y)s", q=quarter, y=year), title), Spacer(1, 10),
             Paragraph(_("Cơ quan, đơn vị: %(unit)s", unit=unit.name), body),
             Paragraph(_("Số liệu tính đến ngày %(day)s: %(n)s hồ sơ đang công tác; đạt mọi tiêu chí Đúng – Đủ – "
                         "Sạch – Sống: %(clean)s (%(score)s); phản ánh dữ liệu chưa xử lý: %(issues)s.",
                         day=day.strftime("%d/%m/%Y"), n=figures["people"], clean=figures["clean"], score=score,
                         issues=figures["open_issues"]), body), Spacer(1, 10), table, Spacer(1, 24),
             Paragraph(_("THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ"), ParagraphStyle("sig", parent=title, fontSize=11,
                                                                         alignment=2))]
    doc.build(story)
    pages = doc.page
    box = (360.0, 70.0, 540.0, 134.0)
    return buf.getvalue(), {FIELD_APPROVER: (pages - 1, box)}


def _require_head(actor, unit) -> None:
    if not scope.has_permission(actor, "can_" + SIGN, RESOURCE_REPORT):
        raise ForbiddenError(_("Chỉ thủ trưởng cơ quan ký và gửi báo cáo chất lượng dữ liệu."))


@use_case
def submit_quarterly(actor, unit_id, year: int, quarter: int, passphrase: str | None) -> QualityReport:
    """The head signs the unit's figures of the quarter and submits them to Sở Nội vụ (HN-21.6); one report per
    unit and quarter; a refused signature writes nothing."""
    from app.signing import FIELD_APPROVER, add_signature_fields, load_signer, sign_pdf

    unit, row = quality.unit_summary(actor, unit_id)
    _require_head(actor, unit)
    errors = Errors()
    if quarter not in (1, 2, 3, 4) or not 2020 <= year <= scope.today().year + 1:
        errors.add("quarter", _("Quý, năm báo cáo không hợp lệ."))
    elif due_date(year, quarter) is None:
        errors.add("quarter", _("Quy chế của thành phố không yêu cầu báo cáo này."))
    if not passphrase:
        errors.add("passphrase", _("Hãy nhập mật khẩu chứng thư số để ký."))
    if db.session.scalar(select(QualityReport.id).where(QualityReport.org_unit_id == unit.id,
                                                        QualityReport.year == year,
                                                        QualityReport.quarter == quarter)) is not None:
        errors.add("quarter", _("Báo cáo quý %(q)s năm %(y)s của đơn vị này đã được gửi.", q=quarter, y=year))
    errors.raise_if_any()
    figures = _figures(row, scope.today())
    pdf, boxes = report_pdf(unit, figures, year, quarter)
    pdf = add_signature_fields(pdf, boxes)
    with load_signer(actor, passphrase) as signer:
        pdf = sign_pdf(pdf, field=FIELD_APPROVER, signer=signer, certify=True, location=active_profile().location,
                       reason=_("Báo cáo chất lượng dữ liệu quý %(q)s năm %(y)s", q=quarter, y=year))
    report = QualityReport(org_unit_id=unit.id, year=year, quarter=quarter, due_date=due_date(year, quarter),
                           figures=figures, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(),
                           signed_by_id=getattr(actor, "id", None))
    db.session.add(report)
    db.session.flush()
    audit.log_access("sign_report", user=actor, object_type="QualityReport", object_id=report.id,
                     org_unit_id=unit.id, detail={"report": "quality", "year": year, "quarter": quarter})
    notifications.quality_report_submitted(report, unit, actor)
    return report


def reports_of(actor, unit_id) -> list[QualityReport]:
    """The unit's submitted reports, newest first (NotFoundError outside the reader's scope)."""
    unit = quality.readable_unit(actor, unit_id)
    return list(db.session.scalars(select(QualityReport).where(QualityReport.org_unit_id == unit.id)
                                   .order_by(QualityReport.year.desc(), QualityReport.quarter.desc())))


def open_report(actor, report_id) -> QualityReport:
    """A submitted report the actor may read (its unit in scope); NotFoundError otherwise; the read is logged."""
    report = db.session.get(QualityReport, report_id)
    if report is None:
        raise NotFoundError(_("Không tìm thấy báo cáo."))
    quality.readable_unit(actor, report.org_unit_id)
    audit.log_access("download", user=actor, object_type="QualityReport", object_id=report.id,
                     org_unit_id=report.org_unit_id, detail={"report": "quality"})
    return report


