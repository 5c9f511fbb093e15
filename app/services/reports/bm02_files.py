"""The BM02 family as files: the XLSX in the official column layout, the PDF, and the PDF signed by the head.

- :func:`write_bm02_xlsx`: XlsxWriter in constant memory (``workbook.py``), rows written in order: the title,
  the scope and date, the two-level header (group headers merged over their columns, the totals' headers over
  both rows), the column numbers (1)…(n), one row per unit (numbers as numbers, names as text — never a
  formula), the total. Written by the report export job (issue 17 item 6), which logs it.
- :func:`bm02_pdf`: ``app/pdf/bm02.py``, unsigned.
- :func:`sign_bm02`: the PDF with the head's signature field, signed with the user's certificate (PAdES B-T).

The PDFs are logged in the access log here (``print_report``, ``sign_report``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask_babel import gettext as _

from app import audit
from app.profiles import active_profile
from app.services.errors import ValidationError
from app.text import nfc

__all__ = ["bm02_pdf", "file_name", "sign_bm02", "write_bm02_xlsx"]

#: Rows above the header: title, subject, scope and date, blank.
HEADER_ROW = 4


def file_name(report, ext: str, signed: bool = False) -> str:
    """A Vietnamese file name: "Báo cáo số lượng, chất lượng công chức - Sở Y tế - 15-06-2026.xlsx"."""
    name = _("%(title)s - %(unit)s - %(day)s", title=report.kind.title, unit=report.scope_name[:80],
             day=report.day.strftime("%d-%m-%Y"))
    if signed:
        name = _("%(name)s (đã ký số)", name=name)
    return nfc(f"{name}.{ext}").replace("/", "-")


def _logged(report, **detail) -> dict:
    """The access log's object and detail of a report file."""
    return {"object_type": "Report", "object_id": report.kind.key,
            "org_unit_id": report.root.id if report.root is not None else None,
            "detail": {"report": str(report.kind.title), "day": report.day.strftime("%d/%m/%Y"),
                       "depth": report.depth, **detail}}


def write_bm02_xlsx(path: str, report, progress: Callable[[int], None] | None = None) -> int:
    """Write the report as an XLSX workbook (one sheet) at ``path``, in constant memory (``workbook.py``: the
    merged two-level header included); ``progress(n)`` after each of its rows. Returns the number of rows (units,
    subtotals and the total). The export job logs it (``jobs/exports.py``)."""
    from app.services.reports.workbook import SafeSheet, new_workbook

    kind = report.kind
    ncols = len(kind.columns)
    book = new_workbook(path)
    try:
        out = SafeSheet(book, book.add_worksheet(nfc(_("Báo cáo"))), [48] + [9] * ncols)
        font = {"font_name": "Times New Roman"}
        f_title = out.format(bold=True, font_size=14, align="center", **font)
        f_sub = out.format(align="center", font_size=12, **font)
        f_head = out.format(bold=True, align="center", valign="vcenter", text_wrap=True, border=1, font_size=10,
                            **font)
        f_name = [out.format(border=1, indent=i, bold=bold, **font) for bold in (False, True) for i in range(4)]
        f_num = out.format(border=1, num_format="#,##0", **font)
        f_num_bold = out.format(border=1, num_format="#,##0", bold=True, **font)
        out.merge(0, 0, 0, ncols, nfc(str(kind.title)).upper(), f_title)
        out.merge(1, 0, 1, ncols, nfc(_("(Đối tượng: %(who)s)", who=kind.subject)), f_sub)
        out.merge(2, 0, 2, ncols, nfc(_("Đơn vị: %(unit)s — số liệu tính đến ngày %(day)s",
                                        unit=report.scope_name, day=report.day.strftime("%d/%m/%Y"))), f_sub)
        top, mid, nums = HEADER_ROW, HEADER_ROW + 1, HEADER_ROW + 2
        out.sheet.set_row(mid, 60)
        out.merge(top, 0, mid, 0, nfc(_("Đơn vị")), f_head)
        col = 1
        for group, cols in kind.groups:
            if group is None:
                out.merge(top, col, mid, col, nfc(str(cols[0].header)), f_head)
            elif len(cols) == 1:
                out.text(top, col, nfc(str(group)), f_head)
            else:
                out.merge(top, col, top, col + len(cols) - 1, nfc(str(group)), f_head)
            col += len(cols)
        col = 1
        for group, cols in kind.groups:
            for c in cols:
                if group is not None:
                    out.text(mid, col, nfc(str(c.header)), f_head)
                col += 1
        out.blank(nums, 0, f_head)
        for i in range(1, ncols + 1):
            out.text(nums, i, f"({i})", f_head)
        out.sheet.freeze_panes(nums + 1, 1)
        row_no = nums + 1
        for n, row in enumerate([*report.rows, report.total], start=1):
            bold = row.role in ("subtotal", "total")
            out.text(row_no, 0, nfc(row.name), f_name[4 * bold + min(max(row.depth - 1, 0), 3)])
            for i, c in enumerate(kind.columns, start=1):
                out.number(row_no, i, row.values.get(c.key), f_num_bold if bold else f_num)
            row_no += 1
            if progress is not None:
                progress(n)
        out.close()
    finally:
        book.close()
    return len(report.rows) + 1


def bm02_pdf(user, report):
    """The report as a PDF (not signed), logged as a print."""
    from app.pdf.bm02 import render_bm02

    rendered = render_bm02(report)
    audit.log_access("print_report", user=user, **_logged(report, format="PDF", pages=rendered.page_count))
    return rendered


def sign_bm02(user, report, passphrase: str | None) -> bytes:
    """The report's PDF signed by ``user`` in the head's field (PAdES B-T, visible stamp). ValidationError for a
    missing passphrase and every refusal of the certificate (none, wrong passphrase, expired, revoked …)."""
    from app.pdf.bm02 import SIGNATURE_FIELD, render_bm02
    from app.signing import add_signature_fields, load_signer, sign_pdf

    if not passphrase:
        raise ValidationError({"passphrase": [_("Hãy nhập mật khẩu chứng thư số để ký.")]})
    rendered = render_bm02(report)
    pdf = add_signature_fields(rendered.data, rendered.signature_boxes)
    with load_signer(user, passphrase) as signer:
        reason = _("Xác nhận số liệu %(title)s, tính đến ngày %(day)s", title=str(report.kind.title).lower(),
                   day=report.day.strftime("%d/%m/%Y"))
        pdf = sign_pdf(pdf, field=SIGNATURE_FIELD, signer=signer, location=active_profile().location, reason=reason)
    audit.log_access("sign_report", user=user, **_logged(report, format="PDF", pages=rendered.page_count,
                                                          signed_field=SIGNATURE_FIELD,
                                                          sha256=hashlib.sha256(pdf).hexdigest()))
    return pdf
