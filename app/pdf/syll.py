"""The Sơ yếu lý lịch of TT 06/2023/TT-BNV as a PDF, from one file version (never from live rows).

The layout is the official form, line by line (:mod:`app.pdf.form_tt06`): the form's header, "SƠ YẾU LÝ LỊCH"
beside the 4×6 photo frame, items 1–38 with the form's own words, group headings and numbering, its tables
(the "Tháng/năm" header over "Từ" and "Đến", the header rows repeated on every page), and its two closing
blocks. Each blank of the form is filled with the value of the file version as the screens show it (dates
dd/mm/yyyy, item 3 as "ngày … tháng … năm", code-list names, the name in capitals) or, when empty, printed as
the form's dotted line. Fields above the reader's restricted-access level are masked like on the screens. Data
the form has no blank for stays on the screens.

"Cơ quan, đơn vị sử dụng" is the employing agency: the person's unit, or the first unit above it that is not an
internal sub-unit (a phòng, khoa, tổ …: ``unit_type`` "phong_ban"); "Cơ quan quản lý" is the level-2 unit
(the sở or district people's committee) above it.

The closing blocks carry the signature fields (:class:`RenderedPdf` says where; ``app.signing`` creates them):
the person's in "Người khai", the head's visible stamp and the agency seal in "Xác nhận của cơ quan, đơn vị
quản lý …", the reviewing TCCB officer's as an invisible signature (no box on the page; listed in a PDF reader's
signature panel). Pages are A4, Liberation Serif (Times New Roman metrics) embedded, "Trang X/Y" on each page,
and the document metadata name the person and the version (its SHA-256). The text is always Vietnamese,
whatever the reader's interface language.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import string
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

from flask import g, has_app_context
from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select

from app.crypto import mask
from app.extensions import db
from app.pdf import form_tt06 as form
from app.pdf.fonts import BOLD, ITALIC, REGULAR, register_fonts
from app.services.personnel import values as fv
from app.services.personnel.syll import PHOTO_LEVEL, SECTIONS, Field, section
from app.text import nfc
from models.org_units import SUB_UNIT_TYPES, OrgUnit
from models.personnel import FileVersion, PersonPhoto

__all__ = [
    "FIELD_APPROVER",
    "FIELD_PERSON",
    "FIELD_REVIEWER",
    "FIELD_SEAL",
    "INVISIBLE_FIELDS",
    "NAME_FIELDS",
    "SIGNATURE_BOX",
    "SIGNATURE_FIELDS",
    "SUB_UNIT_TYPES",
    "RenderedPdf",
    "SignatureSpace",
    "agencies",
    "person_name",
    "render_syll",
]

#: The signature fields the layout leaves room for, in signing order of the HCM chain: the person, the
#: reviewing TCCB officer, the head of the agency, the agency's seal.
SIGNATURE_FIELDS = FIELD_PERSON, FIELD_REVIEWER, FIELD_APPROVER, FIELD_SEAL = (
    "NguoiKhai", "CanBoTCCB", "ThuTruong", "DauCoQuan")
#: Fields without a box on the page: the form has no place for the reviewer, whose signature is listed in the
#: signature panel only.
INVISIBLE_FIELDS = (FIELD_REVIEWER,)
#: Size (points) of each visible signature space: at least 170×60 (pyHanko draws its stamp inside).
SIGNATURE_BOX = (180.0, 64.0)
#: The parts of item 1 that the form prints as one name, in capitals ("viết chữ in hoa").
NAME_FIELDS = ("family_name", "middle_name", "given_name")
#: Items shown partly (first and last digits) to a reader below their level, like the screens.
PARTIAL_MASK = ("cccd", "phone")
#: Percentages: printed without trailing zeros before the form's "%" ("100%", "85,5%").
PERCENT_FIELDS = frozenset({"salary_percent", "seniority_allowance_pct", "job_salary_percent", "job_seniority_pct",
                            "percent"})

log = logging.getLogger(__name__)

PAGE_W, PAGE_H = A4
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 20 * mm, 15 * mm, 15 * mm, 18 * mm
#: The width text and tables get: the page less its margins and the padding (6 pt a side) of reportlab's frame.
FRAME_W = PAGE_W - MARGIN_L - MARGIN_R - 2 * 6
#: The photo frame of the form: 4 cm wide, 6 cm high.
PHOTO_W, PHOTO_H = 40 * mm, 60 * mm
BODY_SIZE, BODY_LEADING = 11.5, 15
ELLIPSIS = "…"
#: Dotted blanks by kind: a date, a short number, a word or two; the last blank of a line runs to its end.
DATE_BLANK = "…/…/……"
SHORT_BLANK = ELLIPSIS * 4
TEXT_BLANK = ELLIPSIS * 10
SLOT_BLANKS = {"birth_day": ELLIPSIS * 2, "birth_month": ELLIPSIS * 2, "birth_year": ELLIPSIS * 4}
SHORT_TYPES = ("int", "year", "decimal", "money")
#: Width of the "Từ" and "Đến" columns (mm).
PERIOD_MM = 17
EMPTY_ROWS = 2


@dataclass
class RenderedPdf:
    """A rendered PDF and the places of its signature fields.

    ``signature_boxes``: field name → (0-based page index, (x1, y1, x2, y2) in PDF points, origin bottom-left),
    or (page, None) for a field without a box (an invisible signature, :data:`INVISIBLE_FIELDS`).
    """

    data: bytes
    signature_boxes: dict[str, tuple[int, tuple[float, float, float, float] | None]] = field(default_factory=dict)
    page_count: int = 0


@dataclass(frozen=True)
class _Masked:
    """A value the reader may not see: its partly masked text (CCCD, phone) or nothing."""

    text: str = ""


# --------------------------------------------------------------------------- styles


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles (built once per process, after the fonts are registered)."""
    register_fonts()
    base = ParagraphStyle("syll", fontName=REGULAR, fontSize=BODY_SIZE, leading=BODY_LEADING, alignment=TA_LEFT)
    return {
        "body": base,
        "item": ParagraphStyle("item", parent=base, spaceBefore=1, spaceAfter=1),
        "heading": ParagraphStyle("heading", parent=base, fontName=BOLD, spaceBefore=5, spaceAfter=2,
                                  keepWithNext=1),
        "sub": ParagraphStyle("sub", parent=base, spaceBefore=3, spaceAfter=2, keepWithNext=1),
        "head": ParagraphStyle("head", parent=base, fontSize=11.5, leading=15),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER, fontSize=11, leading=14),
        "form": ParagraphStyle("form", parent=base, fontName=BOLD, alignment=TA_CENTER, fontSize=12, leading=15),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, alignment=TA_CENTER, fontSize=16, leading=20),
        "cell": ParagraphStyle("cell", parent=base, fontSize=10, leading=12),
        "th": ParagraphStyle("th", parent=base, fontName=BOLD, fontSize=9.5, leading=11, alignment=TA_CENTER),
        "photo": ParagraphStyle("photo", parent=base, fontSize=10.5, leading=13, alignment=TA_CENTER),
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


@functools.cache
def _ellipsis_width(font: str = REGULAR, size: float = BODY_SIZE) -> float:
    return stringWidth(ELLIPSIS, font, size)


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
    """The 4×6 photo frame: the approved photo scaled into it, or the form's frame with its caption."""

    def __init__(self, image: ImageReader | None):
        super().__init__()
        self.width, self.height = PHOTO_W, PHOTO_H
        self.image = image

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
        canv.rect(0, 0, self.width, self.height)
        para = _p("<br/><br/>".join(_t(line) for line in form.PHOTO_CAPTION), "photo")
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


#: The scalar fields of the form declaration by name (the blanks of the form's lines).
_FIELDS: dict[str, Field] = {f.name: f for s in SECTIONS if not s.repeating for f in s.fields}


def _number(text: str) -> str:
    """A decimal as the form shows a percentage: decimal comma, no trailing zeros."""
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


def _shown(f: Field, values: dict, level: int) -> str | _Masked | None:
    """The value of ``f`` for this reader: NFC text, a :class:`_Masked`, or None when empty."""
    raw = values.get(f.name)
    if f.level > level:
        return _Masked(mask(str(raw)) if f.name in PARTIAL_MASK and raw not in (None, "") else "")
    if raw is None or raw == "":
        return None
    text = nfc(fv.display(f, raw, values.get(fv.precision_key(f.name))))
    return _number(text) if f.name in PERCENT_FIELDS else text


def _joined(*parts, sep: str = ", ") -> str | _Masked | None:
    """Several values in one blank; a masked one keeps the others visible, the mark of the restriction last."""
    texts = [t for t in (p.text if isinstance(p, _Masked) else p for p in parts) if t]
    if any(isinstance(p, _Masked) for p in parts):
        return _Masked(sep.join(texts) + sep.rstrip() if texts else "")
    return sep.join(texts) if texts else None


# 37.3: a free-text description of a house or a plot ("Căn hộ chung cư 75 m², đã có Giấy chứng nhận quyền sở
# hữu") split into the form's blanks: the kind of house, the area in m², the certificate.
_AREA = re.compile(r"(?:(?:tổng\s+)?diện\s+tích(?:\s+(?:sàn|sử\s+dụng|đất))?\s*:?\s*)?"
                   r"(\d+(?:[.,]\d+)?)\s*(?:m2|m²|mét\s+vuông)(?!\w)", re.I)
_CERTIFICATE = re.compile(r"giấy\s+chứng\s+nhận|\bgcn\b|sổ\s+đỏ|sổ\s+hồng", re.I)
_CERTIFICATE_NAME = re.compile(r"giấy\s+chứng\s+nhận\s+quyền\s+(?:sở\s+hữu|sử\s+dụng)"
                               r"(?:\s+(?:nhà\s+ở|nhà|đất\s+ở|đất))?|\bgcn\b(?:\s+qs[dh])?", re.I)


def _property(text: str) -> dict[str, str | None]:
    """{"kind", "area", "certificate"} of a description; the whole text as "kind" when it is not clear."""
    parts = [p.strip() for p in re.split(r"[,;]\s+", text) if p.strip()]
    areas = [(i, m) for i, p in enumerate(parts) for m in _AREA.finditer(p)]
    certificates = [i for i, p in enumerate(parts) if _CERTIFICATE.search(p)]
    if len(areas) > 1 or len(certificates) > 1:
        return {"kind": text, "area": None, "certificate": None}
    area = certificate = None
    rest = []
    for i, part in enumerate(parts):
        if areas and areas[0][0] == i:
            m = areas[0][1]
            area = m.group(1)
            part = (part[:m.start()] + " " + part[m.end():]).strip(" ,;:")
            part = " ".join(part.split())
        if i in certificates:
            left = " ".join(_CERTIFICATE_NAME.sub(" ", part).split()).strip(" ,;:")
            certificate = {"": "Có", "có": "Có", "đã có": "Đã có"}.get(left.casefold(), left[:1].upper() + left[1:])
            continue
        if part:
            rest.append(part)
    return {"kind": ", ".join(rest) or None, "area": area, "certificate": certificate}


class _Slots:
    """The values of the form's blanks for one file version and one reader."""

    def __init__(self, snap: dict, level: int, agencies: tuple[str, str]):
        sections = snap.get("sections") or {}
        self.sections, self.level = sections, level
        self.values: dict = {}
        for sec in SECTIONS:
            if not sec.repeating:
                self.values.update(sections.get(sec.key) or {})
        self.managing, self.employing = agencies

    def field(self, name: str) -> str | _Masked | None:
        return _shown(_FIELDS[name], self.values, self.level)

    def get(self, key: str) -> str | _Masked | None:
        """The value of the blank ``key``: a composite slot, ``<field>.<part>`` (37.3) or a scalar field."""
        if "." in key:
            return self.part(*key.split(".", 1))
        special = getattr(self, "slot_" + key, None)
        return special() if special is not None else self.field(key)

    # ---- header
    def slot_managing_agency(self):
        return self.managing or None

    def slot_employing_agency(self):
        return self.employing or None

    def slot_national_id_code(self):
        """"Mã số định danh": the file's identifier, the person's số định danh cá nhân (ND27-ID: the CCCD number,
        masked like item 8 for a reader who may not see it); a file without one shows the code stored for it."""
        if self.values.get("cccd"):
            return self.field("cccd")
        return self.field("national_id_code")

    # ---- item 1: the name in capitals ("viết chữ in hoa")
    def slot_name(self):
        full = " ".join(nfc(str(self.values.get(n))).strip() for n in NAME_FIELDS if self.values.get(n))
        return full.upper() or None

    # ---- item 3: "Sinh ngày … tháng … năm …", as much as the partial date knows
    def _birth(self) -> tuple[str | None, str | None, str | None] | _Masked:
        f = _FIELDS["birth_date"]
        if f.level > self.level:
            return _Masked()
        raw = self.values.get("birth_date")
        if not raw:
            return None, None, None
        day = date.fromisoformat(raw)
        precision = self.values.get(fv.precision_key("birth_date")) or "day"
        return ("%02d" % day.day if precision == "day" else None,
                "%02d" % day.month if precision in ("day", "month") else None, "%04d" % day.year)

    def slot_birth_day(self):
        parts = self._birth()
        return parts if isinstance(parts, _Masked) else parts[0]

    def slot_birth_month(self):
        parts = self._birth()
        return None if isinstance(parts, _Masked) else parts[1]

    def slot_birth_year(self):
        parts = self._birth()
        return None if isinstance(parts, _Masked) else parts[2]

    # ---- blanks the form fills with more than one stored value
    def slot_first_org(self):
        return _joined(self.field("first_org_joined_on"), self.field("first_org_name"))

    def slot_qualification(self):
        return _joined(self.field("highest_qualification"), self.field("qualification_major"))

    def slot_academic_title(self):
        title, year = self.field("academic_title"), self.field("academic_title_year")
        if isinstance(title, _Masked) or isinstance(year, _Masked):
            return _Masked()
        return f"{title} ({year})" if title and year else title or year

    def slot_rank(self):
        return self.field("rank_code")

    def slot_rank_no(self):
        f = _FIELDS["rank_code"]
        if f.level > self.level:
            return _Masked()
        return nfc(str(self.values.get("rank_code"))) if self.values.get("rank_code") else None

    # ---- 37.3: the house and the land, in the form's parts
    def part(self, name: str, part: str):
        f = _FIELDS[name]
        first = "kind" if name.startswith("housing") else "area"
        if f.level > self.level:
            return _Masked() if part == first else None
        raw = self.values.get(name)
        if raw in (None, ""):
            return None
        parts = _property(nfc(str(raw)))
        if first == "area" and parts["kind"]:
            if parts["area"]:  # anything else said about a plot goes with its certificate
                parts["certificate"] = _joined(parts["kind"], parts["certificate"], sep="; ")
            else:
                parts["area"] = parts["kind"]
        return parts[part]

    # ---- table cells
    def cell(self, sec_key: str, row: dict, slot: str):
        sec = section(sec_key)
        if slot == "kinship":
            return self.kinship(sec, row)
        if slot == "relative_details":
            return _joined(_shown(sec.field("details"), row, self.level),
                           _shown(sec.field("criminal_record"), row, self.level), sep="; ")
        if slot == "rank_no":
            f = sec.field("rank_code")
            if f.level > self.level:
                return _Masked()
            return nfc(str(row["rank_code"])) if row.get("rank_code") else None
        value = _shown(sec.field(slot), row, self.level)
        if value is None and slot == "end" and row.get("start"):
            return _("nay")
        return value

    def kinship(self, sec, row: dict):
        """The relation as the form names it: 36.1 "Cha", "Vợ", "Anh ruột" …; 36.2 on the spouse's side "Cha vợ",
        "Mẹ chồng", "Em vợ" … (the person's sex says whose side; a sibling's birth year against the spouse's
        says older or younger)."""
        f = sec.field("relation")
        value = _shown(f, row, self.level)
        code = row.get("relation")
        if isinstance(value, _Masked) or sec.fixed.get("side") != "spouse" or code not in _IN_LAWS:
            return value
        sex = self.values.get("gender")
        spouse = {"nam": "vợ", "nu": "chồng"}.get(sex, "vợ (hoặc chồng)")
        if code != "ANH_CHI_EM_VO_CHONG":
            return f"{_IN_LAWS[code]} {spouse}"
        spouse_year = next((r.get("birth_year") for r in self.sections.get("relatives_own") or []
                            if r.get("relation") in ("VO", "CHONG") and r.get("birth_year")), None)
        year = row.get("birth_year")
        if year and spouse_year and int(year) != int(spouse_year):
            return f"Em {spouse}" if int(year) > int(spouse_year) else f"Anh/chị {spouse}"
        return f"Anh chị em ruột của {spouse}"


#: The in-laws of 36.2 named by the person's side ("Cha vợ", "Mẹ chồng").
_IN_LAWS = {"CHA_VO_CHONG": "Cha", "ME_VO_CHONG": "Mẹ", "ANH_CHI_EM_VO_CHONG": ""}


# --------------------------------------------------------------------------- lines of the form


def _restricted() -> str:
    return "<i>(%s)</i>" % _t(_("hạn chế tiếp cận"))


def _value_markup(value: str | _Masked) -> str:
    if isinstance(value, _Masked):
        return (_t(value.text) + " " if value.text else "") + _restricted()
    return "<b>%s</b>" % _t(value)


def _without_label(value: str, literal: str) -> str:
    """The value without a leading copy of the label printed before it ("Tiền lương: khoảng …" after
    "- Tiền lương:"): a label is never printed twice."""
    label = re.split(r"(?:^|\s)[-+]\s|\)\s", literal.strip())[-1].strip().rstrip(":").strip()
    if label and value.casefold().startswith(label.casefold() + ":"):
        return value[len(label) + 1:].strip() or value
    return value


_FORMATTER = string.Formatter()


def _blank(key: str) -> str:
    if key in SLOT_BLANKS:
        return SLOT_BLANKS[key]
    if key.endswith(".area"):
        return SHORT_BLANK
    f = _FIELDS.get(key)
    if f is not None and f.type in ("date", "pdate"):
        return DATE_BLANK
    if key in PERCENT_FIELDS or (f is not None and f.type in SHORT_TYPES):
        return SHORT_BLANK
    return TEXT_BLANK


def _last_line_width(tokens: list[tuple[str, str]], width: float) -> float:
    """Width used on the last line by ``tokens`` ((text, font) pairs) wrapped greedily at spaces in ``width``,
    as a Paragraph wraps them."""
    used = space = 0.0
    for text, font in tokens:
        for i, word in enumerate(text.split(" ")):
            if i:
                space = stringWidth(" ", font, BODY_SIZE)
            if not word:
                continue
            w = stringWidth(word, font, BODY_SIZE)
            used = w if used and used + space + w > width else used + space + w
            space = 0.0
    return used


def _fill(tokens: list[tuple[str, str]], trailing: str = "") -> str:
    """Dots from the end of ``tokens`` to the end of the line, less the ``trailing`` text; a whole line of dots
    (on the next line) when too little room is left."""
    after = stringWidth(trailing, REGULAR, BODY_SIZE)
    room = FRAME_W - _last_line_width(tokens, FRAME_W) - stringWidth(" ", REGULAR, BODY_SIZE) - after
    count = int(room / _ellipsis_width()) - 1
    if count < 3:
        count = int((FRAME_W - after) / _ellipsis_width()) - 1
    return ELLIPSIS * count


def _line(template: str, slots: _Slots, extra: int = 0, style: str = "item") -> list[Paragraph]:
    """One line of the form with its blanks filled (or dotted), plus the form's continuation lines."""
    parsed = list(_FORMATTER.parse(template))
    last_slot = max((i for i, (_lit, key, _s, _c) in enumerate(parsed) if key), default=-1)
    trailing = "".join(lit or "" for lit, _k, _s, _c in parsed[last_slot + 1:]) if last_slot >= 0 else ""
    markup: list[str] = []
    tokens: list[tuple[str, str]] = []  # (plain text, font) to measure the dotted blanks
    last_empty = False
    for i, (literal, key, _spec, _conv) in enumerate(parsed):
        if literal:
            markup.append(_t(literal))
            tokens.append((literal, REGULAR))
        if not key:
            continue
        value = slots.get(key)
        if isinstance(value, str):
            value = _without_label(value, literal or "")
        if value is None or value == "":
            dots = _blank(key)
            if i == last_slot and dots == TEXT_BLANK:
                dots = _fill(tokens, trailing)
            markup.append(dots)
            tokens.append((dots, REGULAR))
            last_empty = i == last_slot
        else:
            markup.append(_value_markup(value))
            tokens.append((value.text if isinstance(value, _Masked) else str(value), BOLD))
            last_empty = False
    lines = [_p("".join(markup), style)]
    if extra and (last_empty or last_slot < 0):
        full = ELLIPSIS * (int(FRAME_W / _ellipsis_width()) - 2)
        lines += [_p(full, style) for _i in range(extra)]
    return lines


# --------------------------------------------------------------------------- header


def agencies(unit_id: int | None, fallback: str = "") -> tuple[str, str]:
    """(Cơ quan quản lý, Cơ quan, đơn vị sử dụng) of a person in ``unit_id``: the level-2 unit above it, and the
    unit itself or the first unit above it that is not an internal sub-unit (:data:`SUB_UNIT_TYPES`); cached
    per app context. ``fallback`` (the unit name the version recorded) when the unit no longer exists."""
    cache = g.setdefault("_syll_agencies", {}) if has_app_context() else {}
    if unit_id in cache:
        return cache[unit_id]
    unit = db.session.get(OrgUnit, unit_id) if unit_id is not None else None
    if unit is None:
        names = ("", nfc(fallback or ""))
    else:
        ids = [int(p) for p in (unit.path or "").strip("/").split("/") if p] or [unit.id]
        rows = {row.id: row for row in db.session.execute(
            select(OrgUnit.id, OrgUnit.name, OrgUnit.unit_type).where(OrgUnit.id.in_(ids)))}
        chain = [rows[i] for i in ids if i in rows]  # root first, the unit last
        employing = next((r for r in reversed(chain) if r.unit_type not in SUB_UNIT_TYPES), chain[-1])
        managing = chain[1] if len(chain) > 1 else chain[0]
        names = (nfc(managing.name), nfc(employing.name))
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


def _header(version: FileVersion, slots: _Slots, level: int) -> list:
    meta = (version.snapshot or {}).get("meta") or {}
    story: list = [_p(_t(form.FORM_NAME), "form"), _p("<i>%s</i>" % _t(form.FORM_SOURCE), "center"),
                   Spacer(1, 4 * mm)]
    for template in form.HEADER:
        story += _line(template, slots, style="head")
    photo = _PhotoBox(_photo(version, meta) if level >= PHOTO_LEVEL else None)
    second = Table([[photo, _p(_t(form.TITLE), "title")]], colWidths=[PHOTO_W + 6 * mm, FRAME_W - PHOTO_W - 6 * mm])
    second.setStyle(_style([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return story + [Spacer(1, 3 * mm), second, Spacer(1, 4 * mm)]


# --------------------------------------------------------------------------- tables


def _col_widths(spec: form.Table) -> list[float]:
    fixed = [PERIOD_MM * mm] * 2 if spec.period else []
    rest = FRAME_W - sum(fixed)
    total = sum(c.weight for c in spec.columns)
    return fixed + [rest * c.weight / total for c in spec.columns]


def _cell(value) -> Paragraph | str:
    if value is None or value == "":
        return ""
    if isinstance(value, _Masked):
        return _p(_value_markup(value), "cell")
    return _p(_t(value), "cell")


def _period_cell(value) -> str | Paragraph:
    if isinstance(value, _Masked):
        return _p(_value_markup(value), "cell")
    return value or ""


def _table(spec: form.Table, slots: _Slots) -> list:
    """A table of the form: its header (with "Tháng/năm" over "Từ" and "Đến") repeated on every page, one row per
    stored row (or empty rows)."""
    rows = list(slots.sections.get(spec.section) or [])
    heads = [_p(_t(c.header), "th") for c in spec.columns]
    n = len(spec.columns) + (2 if spec.period else 0)
    commands = [
        ("FONTSIZE", (0, 0), (-1, -1), 10),
        ("LEADING", (0, 0), (-1, -1), 12),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 1), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if spec.period:
        data = [[_p(_t(spec.period), "th"), ""] + heads,
                [_p(_t(head), "th") for head in form.PERIOD_HEADS] + [""] * len(heads)]
        commands += [("SPAN", (0, 0), (1, 0))] + [("SPAN", (i, 0), (i, 1)) for i in range(2, n)]
        commands += [("VALIGN", (0, 0), (-1, 1), "MIDDLE"), ("ALIGN", (0, 2), (1, -1), "CENTER")]
        header_rows = 2
    else:
        data = [heads]
        commands += [("VALIGN", (0, 0), (-1, 0), "MIDDLE")]
        header_rows = 1
    for row in rows:
        cells = []
        if spec.period:
            cells += [_period_cell(slots.cell(spec.section, row, "start")),
                      _period_cell(slots.cell(spec.section, row, "end"))]
        cells += [_cell(slots.cell(spec.section, row, c.slot)) for c in spec.columns]
        data.append(cells)
    if not rows:
        data += [[""] * n for _i in range(EMPTY_ROWS)]
    heights = None if rows else [None] * header_rows + [16] * EMPTY_ROWS
    table = Table(data, colWidths=_col_widths(spec), repeatRows=header_rows, hAlign="LEFT", rowHeights=heights)
    table.setStyle(_style(commands))
    return [table, Spacer(1, 2 * mm)]


def _body(slots: _Slots) -> list:
    """Items 1–38 as the form prints them."""
    story: list = []
    for entry in form.BODY:
        if isinstance(entry, form.Heading):
            story.append(_p(_t(entry.text), "heading"))
        elif isinstance(entry, form.SubItem):
            story.append(_p(_t(entry.text), "sub"))
        elif isinstance(entry, form.Table):
            story += _table(entry, slots)
        else:
            story += _line(entry.template, slots, entry.extra)
    return story


# --------------------------------------------------------------------------- closing blocks


def _closing(name: str, boxes: dict) -> list:
    """The form's two closing blocks side by side: "Người khai" (the person's signature field, then the name) and
    the date with "Xác nhận của cơ quan, đơn vị quản lý …" (the head's signature field and the agency seal)."""
    person_title, declaration, person_hint = form.CLOSING_PERSON
    certify, certify_hint = form.CLOSING_CERTIFY
    left = [_p("<b>%s</b>" % _t(person_title), "sign"), _p("<i>%s</i>" % _t(declaration), "sign"),
            _p("<i>%s</i>" % _t(person_hint), "sign"), SignatureSpace(FIELD_PERSON, boxes),
            _p("<b>%s</b>" % _t(name), "sign")]
    right = [_p("<i>%s</i>" % _t(form.CLOSING_DATE), "sign"), _p("<b>%s</b>" % _t(certify), "sign"),
             _p("<i>%s</i>" % _t(certify_hint), "sign"), SignatureSpace(FIELD_APPROVER, boxes),
             SignatureSpace(FIELD_SEAL, boxes)]
    half = FRAME_W / 2
    block = Table([[left, right]], colWidths=[half, half])
    block.setStyle(_style([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                           ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)]))
    return [Spacer(1, 4 * mm), KeepTogether([block])]


# --------------------------------------------------------------------------- the document


def render_syll(version: FileVersion, *, reader_level: int = 3) -> RenderedPdf:
    """The SYLL of ``version`` as an A4 PDF; fields above ``reader_level`` (``syll.LEVEL_*``) are masked."""
    register_fonts()
    with force_locale("vi"):
        return _render(version, reader_level)


def _render(version: FileVersion, reader_level: int) -> RenderedPdf:
    snap = version.snapshot or {}
    meta = snap.get("meta") or {}
    name = person_name(snap)
    boxes: dict = {}
    sink: dict = {}
    names = agencies(meta.get("org_unit_id"), meta.get("org_unit_name") or "")
    slots = _Slots(snap, reader_level, names)
    version_no = meta.get("version_no") or version.version_no
    title = _("Sơ yếu lý lịch — %(name)s", name=name)
    subject = _("Sơ yếu lý lịch cán bộ, công chức, viên chức (Thông tư 06/2023/TT-BNV), phiên bản %(no)s, "
                "SHA-256 %(sha)s", no=version_no, sha=version.sha256 or "")
    footer = _("%(name)s — phiên bản %(no)s (%(sha)s)", name=name, no=version_no, sha=(version.sha256 or "")[:12])
    story = _header(version, slots, reader_level) + _body(slots) + _closing(name, boxes)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=MARGIN_L, rightMargin=MARGIN_R, topMargin=MARGIN_T, bottomMargin=MARGIN_B,
        title=nfc(title), author=nfc(names[1] or _("CSDL CBCCVC")), subject=nfc(subject),
        creator="CSDL CBCCVC", keywords=nfc(_("sơ yếu lý lịch, TT 06/2023/TT-BNV")), lang="vi-VN",
        initialFontName=REGULAR,
    )
    doc.build(story, canvasmaker=functools.partial(_NumberedCanvas, footer=nfc(footer), sink=sink))
    for invisible in INVISIBLE_FIELDS:  # on the closing page, like the others
        boxes[invisible] = (boxes[FIELD_PERSON][0], None)
    ordered = {name: boxes[name] for name in SIGNATURE_FIELDS}  # the fields in signing order
    return RenderedPdf(data=buf.getvalue(), signature_boxes=ordered, page_count=sink.get("pages", 0))
