"""The Sơ yếu lý lịch of TT 06/2023/TT-BNV as a PDF, from one file version (never from live rows).

The layout is driven by the form declaration (``app/services/personnel/syll.py``): items 1–38 in
:data:`~app.services.personnel.syll.FORM_ITEMS` order with their official labels, each scalar item as a
numbered line of its fields, each repeating section as a bordered table (wrapping cells as Paragraphs, the
header row repeated on every page). Values are shown with the screens' helpers (``values.display``: dates, months,
code-list names), fields above the reader's restricted-access level are masked like on the screens, and an
empty item prints dotted lines (or an empty table) like the paper form.

The last page carries the declaration and the certification block, with empty spaces where the signature
fields go; :class:`RenderedPdf` says where they are (``app.signing`` creates the fields there). Pages
are A4, Liberation Serif (Times New Roman metrics) embedded, "Trang X/Y" on each page, and the document
metadata name the person and the version (its SHA-256).
"""

from __future__ import annotations

import functools
import io
import logging
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from flask import g, has_app_context
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable
from sqlalchemy import select

from app.crypto import mask
from app.extensions import db
from app.pdf.fonts import BOLD, ITALIC, REGULAR, register_fonts
from app.services.personnel import values as fv
from app.services.personnel.syll import FORM_ITEMS, PHOTO_LEVEL, SECTIONS, Field, Section, section
from app.text import nfc
from models.org_units import OrgUnit
from models.personnel import FileVersion, PersonPhoto

__all__ = [
    "NAME_FIELDS",
    "SIGNATURE_BOX",
    "FIELD_APPROVER",
    "FIELD_PERSON",
    "FIELD_REVIEWER",
    "FIELD_SEAL",
    "SIGNATURE_FIELDS",
    "RenderedPdf",
    "SignatureSpace",
    "person_name",
    "render_syll",
]

#: The signature fields the layout leaves room for, in signing order of the HCM chain: the person, the
#: reviewing TCCB officer, the head of the agency, the agency's seal.
SIGNATURE_FIELDS = FIELD_PERSON, FIELD_REVIEWER, FIELD_APPROVER, FIELD_SEAL = (
    "NguoiKhai", "CanBoTCCB", "ThuTruong", "DauCoQuan")
#: Size (points) of each signature space: at least 170×60 (pyHanko draws its stamp inside).
SIGNATURE_BOX = (180.0, 64.0)
#: The parts of item 1 that the form prints as one name, in capitals ("viết chữ in hoa").
NAME_FIELDS = ("family_name", "middle_name", "given_name")
#: Items shown partly (first and last digits) to a reader below their level, like the screens.
PARTIAL_MASK = ("cccd", "phone")
#: Code lists whose code the form asks for next to the name ("Ngạch/CDNN + Mã số").
CODE_SHOWN = ("rank",)

log = logging.getLogger(__name__)

PAGE_W, PAGE_H = A4
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 20 * mm, 15 * mm, 15 * mm, 18 * mm
FRAME_W = PAGE_W - MARGIN_L - MARGIN_R
#: The photo frame of the form: 4 cm wide, 6 cm high.
PHOTO_W, PHOTO_H = 40 * mm, 60 * mm
#: Width of the Quốc hiệu column (the national motto on one line).
NATION_W = 92 * mm
DOTS = "…………………………"
LONG_DOTS = "…" * 95
#: Column widths (mm) of fixed-width table columns by field type; the other columns share the rest by weight.
FIXED_MM = {"month": 17, "year": 13, "int": 13, "decimal": 15, "money": 24, "bool": 15, "date": 21, "pdate": 21}
WEIGHTS = {"code": 1.3, "text": 2.0, "longtext": 3.0}
EMPTY_ROWS = 2


@dataclass
class RenderedPdf:
    """A rendered PDF and the empty spaces left for signatures.

    ``signature_boxes``: field name → (0-based page index, (x1, y1, x2, y2) in PDF points, origin bottom-left).
    """

    data: bytes
    signature_boxes: dict[str, tuple[int, tuple[float, float, float, float]]] = field(default_factory=dict)
    page_count: int = 0


# --------------------------------------------------------------------------- styles


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles (built once per process, after the fonts are registered)."""
    register_fonts()
    base = ParagraphStyle("syll", fontName=REGULAR, fontSize=11.5, leading=15, alignment=TA_LEFT)
    return {
        "body": base,
        "item": ParagraphStyle("item", parent=base, spaceBefore=2, spaceAfter=1),
        "tablehead": ParagraphStyle("tablehead", parent=base, spaceBefore=2, spaceAfter=1, keepWithNext=1),
        "head": ParagraphStyle("head", parent=base, fontSize=11, leading=14),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER, fontSize=11, leading=14),
        "nation": ParagraphStyle("nation", parent=base, fontName=BOLD, alignment=TA_CENTER, fontSize=11.5,
                                 leading=14),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, alignment=TA_CENTER, fontSize=14, leading=19,
                                spaceBefore=6, spaceAfter=6),
        "cell": ParagraphStyle("cell", parent=base, fontSize=10, leading=12),
        "th": ParagraphStyle("th", parent=base, fontName=BOLD, fontSize=9.5, leading=11, alignment=TA_CENTER),
        "photo": ParagraphStyle("photo", parent=base, fontName=ITALIC, fontSize=10, leading=12, alignment=TA_CENTER),
        "sign": ParagraphStyle("sign", parent=base, alignment=TA_CENTER, fontSize=11.5, leading=14),
    }


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(text, _styles()[style])


def _style(commands: list) -> TableStyle:
    """A table style whose cells use the embedded font (reportlab sets each cell's font, even for Paragraphs)."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), REGULAR)] + commands)


def _t(value) -> str:
    """Text for a Paragraph: NFC, XML-escaped, line breaks kept."""
    return escape(nfc(str(value))).replace("\n", "<br/>")


# --------------------------------------------------------------------------- flowables and canvas


class SignatureSpace(Flowable):
    """Empty space for one signature field; records its page and absolute box when drawn."""

    def __init__(self, name: str, sink: dict, width: float = SIGNATURE_BOX[0], height: float = SIGNATURE_BOX[1]):
        super().__init__()
        self.name, self.sink = name, sink
        self.width, self.height = width, height
        self.hAlign = "CENTER"

    def wrap(self, avail_width, avail_height):
        """Fixed size."""
        return self.width, self.height

    def draw(self):
        """Nothing is drawn: the box is remembered for the signature field."""
        x1, y1 = self.canv.absolutePosition(0, 0)
        x2, y2 = self.canv.absolutePosition(self.width, self.height)
        self.sink[self.name] = (self.canv.getPageNumber() - 1,
                                (round(x1, 2), round(y1, 2), round(x2, 2), round(y2, 2)))


class _PhotoBox(Flowable):
    """The 4×6 photo frame: the approved photo scaled into it, or an empty frame with its caption."""

    def __init__(self, image: ImageReader | None, caption: str):
        super().__init__()
        self.width, self.height = PHOTO_W, PHOTO_H
        self.image, self.caption = image, caption

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self):
        canv = self.canv
        if self.image is not None:
            iw, ih = self.image.getSize()
            scale = min(self.width / iw, self.height / ih)
            w, h = iw * scale, ih * scale
            canv.drawImage(self.image, (self.width - w) / 2, (self.height - h) / 2, w, h, mask="auto")
            return
        canv.setLineWidth(0.6)
        canv.setDash(2, 2)
        canv.rect(0, 0, self.width, self.height)
        canv.setDash()
        para = _p(_t(self.caption), "photo")
        _w, h = para.wrap(self.width - 6, self.height)
        para.drawOn(canv, 3, (self.height - h) / 2)


class _NumberedCanvas(Canvas):
    """A canvas that keeps every page until the end, then stamps "Trang X/Y" and the footer on each."""

    def __init__(self, *args, footer: str = "", sink: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved_pages: list[dict] = []
        self._footer = footer
        self._sink = sink if sink is not None else {}

    def showPage(self):  # noqa: N802 - reportlab's API
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._saved_pages)
        self._sink["pages"] = total
        label = _("Trang %(page)s/%(total)s", page="%(page)s", total=total)
        for state in self._saved_pages:
            self.__dict__.update(state)
            self.setFont(REGULAR, 9)
            self.setFillColor(colors.black)
            self.drawRightString(PAGE_W - MARGIN_R, 9 * mm, label % {"page": self._pageNumber})
            if self._footer:
                self.setFont(ITALIC, 8)
                self.setFillColor(colors.HexColor("#555555"))
                self.drawString(MARGIN_L, 9 * mm, self._footer)
            super().showPage()
        super().save()


# --------------------------------------------------------------------------- values


def person_name(snapshot: dict) -> str:
    """Họ, tên đệm, tên of a snapshot (NFC), as the person writes it."""
    ident = (snapshot.get("sections") or {}).get("identity") or {}
    return nfc(" ".join(str(ident.get(k)).strip() for k in NAME_FIELDS if ident.get(k)))


def _restricted() -> str:
    return "<i>(%s)</i>" % _t(_("hạn chế tiếp cận"))


def _text(f: Field, values: dict, level: int) -> tuple[str | None, bool]:
    """(plain NFC text, masked) of one value for this reader; text None when the value is empty."""
    raw = values.get(f.name)
    if f.level > level:
        return (mask(str(raw)) if f.name in PARTIAL_MASK and raw not in (None, "") else ""), True
    if raw is None or raw == "":
        return None, False
    text = fv.display(f, raw, values.get(fv.precision_key(f.name)))
    if f.type == "code" and f.code_list in CODE_SHOWN and text != raw:
        text = _("%(name)s, mã số %(code)s", name=text, code=raw)
    return nfc(text), False


def _value(f: Field, values: dict, level: int) -> str | None:
    """Paragraph markup of one value for this reader; None when empty (the caller prints the dotted line)."""
    text, masked = _text(f, values, level)
    if masked:
        return (_t(text) + " " if text else "") + _restricted()
    return None if text is None else _t(text)


def _label(value) -> str:
    return nfc(str(value))


# --------------------------------------------------------------------------- header


def _unit_names(meta: dict) -> tuple[str, str]:
    """(managing agency = level-2 ancestor of the unit, employing unit) — cached per app context."""
    unit_id = meta.get("org_unit_id")
    cache = g.setdefault("_syll_units", {}) if has_app_context() else {}
    if unit_id in cache:
        return cache[unit_id]
    unit = db.session.get(OrgUnit, unit_id) if unit_id is not None else None
    if unit is None:
        names = ("", nfc(meta.get("org_unit_name") or ""))
    else:
        ids = [int(p) for p in (unit.path or "").strip("/").split("/") if p] or [unit.id]
        top_id = ids[1] if len(ids) > 1 else ids[0]
        top = unit.name if top_id == unit.id else db.session.scalar(select(OrgUnit.name).where(OrgUnit.id == top_id))
        names = (nfc(top or ""), nfc(meta.get("org_unit_name") or unit.name))
    cache[unit_id] = names
    return names


def _photo(version: FileVersion, meta: dict) -> ImageReader | None:
    """The approved photo, only if it is the one the version names (same SHA-256) and it can be decoded."""
    digest = meta.get("photo_sha256")
    if not digest:
        return None
    stored = db.session.get(PersonPhoto, version.person_id)
    if stored is None or stored.sha256 != digest:
        return None
    try:
        reader = ImageReader(io.BytesIO(stored.content))
        reader.getSize()
    except Exception:  # a damaged upload prints the empty frame rather than no SYLL at all
        log.warning("photo of person %s cannot be decoded; printing the empty frame", version.person_id)
        return None
    return reader


def _header(version: FileVersion, snap: dict, level: int) -> list:
    meta = snap.get("meta") or {}
    ident = (snap.get("sections") or {}).get("identity") or {}
    managing, employing = _unit_names(meta)
    sec = section("identity")

    def line(label, text: str | None) -> Paragraph:
        return _p("%s: <b>%s</b>" % (_t(label), text if text else DOTS), "head")

    left = [
        line(_("Cơ quan quản lý CBCCVC"), _t(managing) if managing else None),
        line(_("Cơ quan, đơn vị sử dụng CBCCVC"), _t(employing) if employing else None),
    ] + [line(f.label, _value(f, ident, level)) for f in sec.fields if f.item == "0"]
    right = [
        _p(_t(_("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")), "nation"),
        _p("<b>%s</b>" % _t(_("Độc lập - Tự do - Hạnh phúc")), "center"),
        HRFlowable(width="45%", thickness=0.7, color=colors.black, spaceBefore=1, hAlign="CENTER"),
    ]
    top = Table([[left, right]], colWidths=[FRAME_W - NATION_W, NATION_W])
    top.setStyle(_style([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "CENTER"),
                         ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    photo = _PhotoBox(_photo(version, meta) if level >= PHOTO_LEVEL else None, str(section("photo").label))
    title = [_p(_t(_("SƠ YẾU LÝ LỊCH CÁN BỘ, CÔNG CHỨC, VIÊN CHỨC")), "title"),
             _p("<i>%s</i>" % _t(_("(Mẫu ban hành kèm theo Thông tư số 06/2023/TT-BNV ngày 04/5/2023 "
                                   "của Bộ trưởng Bộ Nội vụ)")), "center")]
    second = Table([[photo, title]], colWidths=[PHOTO_W + 6 * mm, FRAME_W - PHOTO_W - 6 * mm])
    second.setStyle(_style([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return [top, Spacer(1, 4 * mm), second, Spacer(1, 4 * mm)]


# --------------------------------------------------------------------------- items


def _number(item: str) -> str:
    return "%s)" % item


def _field_label(f: Field, item_label: str, single: bool) -> str | None:
    """The field's own label inside its item's line: none when the item label already names it (a lone
    field, or the same words), without a leading "<item label>:" it would repeat."""
    own, item = _label(f.label).strip(), _label(item_label).strip()
    if single or own.casefold() == item.casefold():
        return None
    prefix = item.casefold() + ":"
    return own[len(prefix):].strip() if own.casefold().startswith(prefix) else own


def _scalar_item(item: str, fields: list[Field], values: dict, level: int) -> Paragraph:
    """One numbered line: the item's official label, then each field (its own label unless it repeats it)."""
    label = FORM_ITEMS[item]
    single = len(fields) == 1
    parts = []
    names = [f for f in fields if f.name in NAME_FIELDS]
    if names:
        full = " ".join(nfc(str(values.get(f.name))).strip() for f in names if values.get(f.name))
        parts.append("<b>%s</b>" % _t(full.upper()) if full else DOTS)
    for f in fields:
        if f.name in NAME_FIELDS:
            continue
        text = _value(f, values, level)
        if text is None:
            text = LONG_DOTS if f.type == "longtext" else DOTS
        own = _field_label(f, label, single)
        parts.append("%s: %s" % (_t(own), text) if own else text)
    return _p("<b>%s %s:</b> %s" % (_number(item), _t(label), ";&nbsp; ".join(parts)), "item")


def _col_widths(fields: tuple[Field, ...]) -> list[float]:
    fixed = {i: FIXED_MM[f.type] * mm for i, f in enumerate(fields) if f.type in FIXED_MM}
    rest = FRAME_W - sum(fixed.values())
    weights = {i: WEIGHTS.get(f.type, 2.0) for i, f in enumerate(fields) if i not in fixed}
    total = sum(weights.values()) or 1.0
    return [fixed[i] if i in fixed else rest * weights[i] / total for i in range(len(fields))]


def _cell(f: Field, row: dict, level: int) -> Paragraph | str:
    """A table cell: short values (dates, numbers) as plain strings, anything that may wrap as a Paragraph."""
    text, masked = _text(f, row, level)
    if text is None and f.name == "end" and f.type == "month" and row.get("start"):
        text = _("nay")
    if f.type in FIXED_MM and not masked:
        return text or ""
    if masked:
        return _p((_t(text) + " " if text else "") + _restricted(), "cell")
    return _p(_t(text), "cell") if text else ""


def _table_item(item: str, sec: Section, rows: list[dict], level: int) -> list:
    """The item's heading and its bordered table (header row repeated on every page; empty rows if none)."""
    head = _p("<b>%s %s:</b>" % (_number(item), _t(FORM_ITEMS[item])), "tablehead")
    data = [[_p(_t(f.label), "th") for f in sec.fields]]
    data += [[_cell(f, row, level) for f in sec.fields] for row in rows]
    if not rows:
        data += [["" for _f in sec.fields] for _i in range(EMPTY_ROWS)]
    table = Table(data, colWidths=_col_widths(sec.fields), repeatRows=1, hAlign="LEFT",
                  rowHeights=None if rows else [None] + [16] * EMPTY_ROWS)
    table.setStyle(_style([
        ("FONTSIZE", (0, 0), (-1, -1), 10),
        ("LEADING", (0, 0), (-1, -1), 12),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("VALIGN", (0, 1), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return [head, table, Spacer(1, 2 * mm)]


def _items(snap: dict, level: int) -> list:
    """Items 1–38 in form order, from the form declaration."""
    sections = snap.get("sections") or {}
    story: list = []
    for item in FORM_ITEMS:
        if item == "0":
            continue
        for sec in SECTIONS:
            if item not in sec.items or not sec.fields:
                continue
            if sec.repeating:
                story.extend(_table_item(item, sec, list(sections.get(sec.key) or []), level))
            else:
                fields = [f for f in sec.fields if f.item == item]
                if fields:
                    story.append(_scalar_item(item, fields, sections.get(sec.key) or {}, level))
    return story


# --------------------------------------------------------------------------- declaration and certification


def _signature_blocks(name: str, boxes: dict) -> list:
    """The declaration signed by the person (and checked by the TCCB officer), then the agency's certification
    signed by its head under the seal: each kept on one page, with an empty space per signature field."""
    date_line = _p("<i>%s</i>" % _t(_("……………, ngày …… tháng …… năm 20……")), "sign")
    half = FRAME_W / 2
    style = _style([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)])
    declaration = _p(_t(_("Tôi xin cam đoan những lời khai trên đây là đúng sự thật và chịu trách nhiệm trước "
                          "pháp luật về lời khai của mình.")), "item")
    reviewer = [_p(""), _p("<b>%s</b>" % _t(_("CÁN BỘ TỔ CHỨC CÁN BỘ")), "sign"),
                _p("<i>%s</i>" % _t(_("(Kiểm tra, ký, ghi rõ họ tên)")), "sign"), SignatureSpace(FIELD_REVIEWER, boxes)]
    person = [date_line, _p("<b>%s</b>" % _t(_("NGƯỜI KHAI")), "sign"),
              _p("<i>%s</i>" % _t(_("(Ký, ghi rõ họ tên)")), "sign"), SignatureSpace(FIELD_PERSON, boxes),
              _p("<b>%s</b>" % _t(name), "sign")]
    first = Table([[reviewer, person]], colWidths=[half, half])
    first.setStyle(style)
    heading = _p("<b>%s</b>" % _t(_("XÁC NHẬN CỦA CƠ QUAN, ĐƠN VỊ QUẢN LÝ VÀ SỬ DỤNG CÁN BỘ, CÔNG CHỨC, "
                                     "VIÊN CHỨC")), "sign")
    certify = _p(_t(_("Cơ quan, đơn vị quản lý và sử dụng xác nhận lý lịch của ông (bà) %(name)s khai trên đây "
                      "là đúng với hồ sơ đang quản lý.", name=name)), "item")
    seal = [_p(""), _p("<i>%s</i>" % _t(_("(Dấu của cơ quan, đơn vị)")), "sign"), SignatureSpace(FIELD_SEAL, boxes)]
    head = [date_line, _p("<b>%s</b>" % _t(_("THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ")), "sign"),
            _p("<i>%s</i>" % _t(_("(Ký tên, đóng dấu)")), "sign"), SignatureSpace(FIELD_APPROVER, boxes)]
    second = Table([[seal, head]], colWidths=[half, half])
    second.setStyle(style)
    return [Spacer(1, 3 * mm), KeepTogether([declaration, Spacer(1, 2 * mm), first]),
            Spacer(1, 5 * mm), KeepTogether([heading, certify, Spacer(1, 1 * mm), second])]


# --------------------------------------------------------------------------- the document


def render_syll(version: FileVersion, *, reader_level: int = 3) -> RenderedPdf:
    """The SYLL of ``version`` as an A4 PDF; fields above ``reader_level`` (``syll.LEVEL_*``) are masked."""
    register_fonts()
    snap = version.snapshot or {}
    meta = snap.get("meta") or {}
    name = person_name(snap)
    boxes: dict = {}
    sink: dict = {}
    version_no = meta.get("version_no") or version.version_no
    title = _("Sơ yếu lý lịch — %(name)s", name=name)
    subject = _("Sơ yếu lý lịch cán bộ, công chức, viên chức (Thông tư 06/2023/TT-BNV), phiên bản %(no)s, "
                "SHA-256 %(sha)s", no=version_no, sha=version.sha256 or "")
    footer = _("%(name)s — phiên bản %(no)s (%(sha)s)", name=name, no=version_no, sha=(version.sha256 or "")[:12])
    story = _header(version, snap, reader_level) + _items(snap, reader_level) + _signature_blocks(name, boxes)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=MARGIN_L, rightMargin=MARGIN_R, topMargin=MARGIN_T, bottomMargin=MARGIN_B,
        title=nfc(title), author=nfc(_unit_names(meta)[1] or _("CSDL CBCCVC")), subject=nfc(subject),
        creator="CSDL CBCCVC", keywords=nfc(_("sơ yếu lý lịch, TT 06/2023/TT-BNV")), lang="vi-VN",
        initialFontName=REGULAR,
    )
    doc.build(story, canvasmaker=functools.partial(_NumberedCanvas, footer=nfc(footer), sink=sink))
    return RenderedPdf(data=buf.getvalue(), signature_boxes=boxes, page_count=sink.get("pages", 0))

