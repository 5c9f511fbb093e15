"""The BM02/BNV family as a PDF (reportlab): A3 landscape, the official two-level header, one row per unit, the
total, and the signature block with an empty field for the head's signature (``app/signing``).

Liberation Serif is embedded (``app/pdf/fonts.py``); every string is NFC; "Trang X/Y" on every page; the
header rows repeat on each page. :func:`render_bm02` returns the bytes and the box of the signature field.
"""

from __future__ import annotations

import functools
import io

from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A3, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.pdf.fonts import BOLD, REGULAR, register_fonts
from app.pdf.syll import RenderedPdf, SignatureSpace
from app.signing.pdf import FIELD_APPROVER
from app.text import nfc

__all__ = ["SIGNATURE_FIELD", "number", "render_bm02"]

PAGE_W, PAGE_H = landscape(A3)
MARGIN = 10 * mm
FRAME_W = PAGE_W - 2 * MARGIN
NAME_W = 56 * mm
SIGNATURE_FIELD = FIELD_APPROVER


def number(value) -> str:
    """A figure as Vietnamese writes it (1.140); blank for none."""
    return "" if value is None else f"{value:,}".replace(",", ".")


def _esc(text) -> str:
    return nfc(str(text)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("bm02", fontName=REGULAR, fontSize=7.5, leading=9, alignment=TA_LEFT)
    return {
        "title": ParagraphStyle("title", base, fontName=BOLD, fontSize=14, leading=18, alignment=TA_CENTER),
        "sub": ParagraphStyle("sub", base, fontSize=11, leading=14, alignment=TA_CENTER),
        "head": ParagraphStyle("head", base, fontName=BOLD, fontSize=6, leading=7, alignment=TA_CENTER),
        "cell": base,
        "bold": ParagraphStyle("bold", base, fontName=BOLD),
        "sign": ParagraphStyle("sign", base, fontSize=11, leading=14, alignment=TA_CENTER),
        "signb": ParagraphStyle("signb", base, fontName=BOLD, fontSize=11, leading=14, alignment=TA_CENTER),
    }


class _NumberedCanvas(Canvas):
    """Keeps the pages until the end, then writes "Trang X/Y" on each."""

    def __init__(self, *args, sink: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []
        self._sink = sink if sink is not None else {}

    def showPage(self):  # noqa: N802 - reportlab's API
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        self._sink["pages"] = total
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(REGULAR, 9)
            self.setFillColor(colors.black)
            self.drawRightString(PAGE_W - MARGIN, 6 * mm, _("Trang %(page)s/%(total)s", page=self._pageNumber,
                                                            total=total))
            super().showPage()
        super().save()


def _header(kind) -> tuple[list[list], list[tuple]]:
    """The three header rows (groups, columns, numbers) and their SPAN commands."""
    st = _styles()
    top, mid, nums = [Paragraph(_esc(_("Đơn vị")), st["head"])], [""], [""]
    spans = [("SPAN", (0, 0), (0, 1))]
    col = 1
    for group, cols in kind.groups:
        if group is None:
            top.append(Paragraph(_esc(cols[0].header), st["head"]))
            mid.append("")
            spans.append(("SPAN", (col, 0), (col, 1)))
            col += 1
            continue
        top.append(Paragraph(_esc(group), st["head"]))
        top.extend([""] * (len(cols) - 1))
        if len(cols) > 1:
            spans.append(("SPAN", (col, 0), (col + len(cols) - 1, 0)))
        for c in cols:
            mid.append(Paragraph(_esc(c.header), st["head"]))
        col += len(cols)
    for i in range(1, len(kind.columns) + 1):
        nums.append(Paragraph(f"({i})", st["head"]))
    return [top, mid, nums], spans


def _body(report) -> tuple[list[list], list[tuple]]:
    st = _styles()
    rows, styles = [], []
    for n, row in enumerate([*report.rows, report.total], start=3):
        strong = row.role in ("subtotal", "total")
        indent = "&nbsp;" * 3 * max(row.depth - 1, 0)
        name = indent + _esc(row.name)
        rows.append([Paragraph(f"<b>{name}</b>" if strong else name, st["cell"])]
                    + [number(row.values.get(c.key)) for c in report.kind.columns])
        if strong:
            styles.append(("FONTNAME", (1, n), (-1, n), BOLD))
        if row.role == "total":
            styles.append(("BACKGROUND", (0, n), (-1, n), colors.HexColor("#eeeeee")))
    return rows, styles


def _signature_block(report, boxes: dict) -> list:
    st = _styles()
    day = report.day
    left = [Paragraph(_esc(_("NGƯỜI LẬP BIỂU")), st["signb"]), Paragraph(_esc(_("(Ký, ghi rõ họ tên)")), st["sign"])]
    right = [Paragraph("<i>%s</i>" % _esc(_("Ngày %(d)s tháng %(m)s năm %(y)s", d=f"{day.day:02d}",
                                             m=f"{day.month:02d}", y=day.year)), st["sign"]),
             Paragraph(_esc(_("THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ")), st["signb"]),
             Paragraph(_esc(_("(Ký số, ghi rõ họ tên)")), st["sign"]),
             SignatureSpace(SIGNATURE_FIELD, boxes, width=70 * mm, height=22 * mm)]
    block = Table([[left, right]], colWidths=[FRAME_W / 2, FRAME_W / 2])
    block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    return [Spacer(1, 6 * mm), KeepTogether([block])]


def render_bm02(report) -> RenderedPdf:
    """The report as an A3 landscape PDF with an empty signature field for the head."""
    register_fonts()
    with force_locale("vi"):
        return _render(report)


def _render(report) -> RenderedPdf:
    st = _styles()
    kind = report.kind
    head, spans = _header(kind)
    body, body_styles = _body(report)
    widths = [NAME_W] + [(FRAME_W - NAME_W) / len(kind.columns)] * len(kind.columns)
    table = Table(head + body, colWidths=widths, repeatRows=3)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("FONTNAME", (0, 0), (-1, -1), REGULAR), ("FONTSIZE", (0, 0), (-1, -1), 7.5),
        ("VALIGN", (0, 0), (-1, 2), "MIDDLE"), ("VALIGN", (0, 3), (-1, -1), "TOP"),
        ("ALIGN", (1, 3), (-1, -1), "RIGHT"),
        ("LEFTPADDING", (0, 0), (-1, -1), 1.5), ("RIGHTPADDING", (0, 0), (-1, -1), 1.5),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        *spans, *body_styles,
    ]))
    title = nfc(str(kind.title)).upper()
    scope_line = _("Đơn vị: %(unit)s — số liệu tính đến ngày %(day)s", unit=report.scope_name,
                   day=report.day.strftime("%d/%m/%Y"))
    story = []
    if kind.form_code:
        story.append(Paragraph(_esc(_("Biểu số %(code)s", code=kind.form_code)), st["cell"]))
    story += [Paragraph(_esc(title), st["title"]), Paragraph(_esc(_("(Đối tượng: %(who)s)", who=kind.subject)),
                                                             st["sub"]),
              Paragraph(_esc(scope_line), st["sub"]), Spacer(1, 4 * mm), table]
    boxes: dict = {}
    story += _signature_block(report, boxes)
    sink: dict = {}
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=(PAGE_W, PAGE_H), leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=12 * mm, title=nfc(f"{kind.title} — {report.scope_name}"),
                            author=nfc(report.scope_name), subject=nfc(scope_line), creator="CSDL CBCCVC",
                            lang="vi-VN", initialFontName=REGULAR)
    doc.build(story, canvasmaker=functools.partial(_NumberedCanvas, sink=sink))
    return RenderedPdf(data=buf.getvalue(), signature_boxes={SIGNATURE_FIELD: boxes[SIGNATURE_FIELD]},
                       page_count=sink.get("pages", 0))
