"""The restructuring mapping sheet (issue 19, item 5): its format, the downloadable template and the parser.

One XLSX workbook, one row per event on the sheet "Sự kiện" (sáp nhập, hợp nhất, chia tách, chuyển đơn vị cấp trên,
đổi tên, giải thể), units named by their mã định danh or their ID, the decision on every row; the sheet
"Phân bổ chia tách" gives, for a split, the people (by CCCD or file number) and the sub-units each new unit
receives. The parser only reads: what the rows *mean* is checked by ``restructure.plan_restructure``.

The parser reads a hostile file in bounded memory and time: the upload's size, the ZIP's entries and their
declared sizes (Python's ``zipfile`` never inflates past the declared size) are checked before openpyxl opens it in
``read_only`` mode; rows past the cap, formulas, macros, overlong cells and control characters are refused, each
with a Vietnamese message naming its sheet, row and cell. The template is written by XlsxWriter with every text
cell through :class:`app.services.reports.people_xlsx.SafeSheet` (no formula injection).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.services.org_units.values import Decision
from app.text import clean, nfc, search_key
from models.org_units import EVENT_TYPES, ROOT_TYPE, UNIT_TYPES

__all__ = [
    "ALLOCATION_SHEET",
    "EVENTS_SHEET",
    "KINDS",
    "MAX_ALLOCATION_ROWS",
    "MAX_EVENT_ROWS",
    "MAX_SHEET_BYTES",
    "Allocation",
    "EventRow",
    "Issue",
    "ParsedSheet",
    "UnitRef",
    "parse_sheet",
    "template_workbook",
]

#: The kinds of event a row may carry (the org events of the same name).
KINDS = ("merge", "consolidate", "split", "move", "rename", "dissolve")
EVENTS_SHEET = "Sự kiện"
ALLOCATION_SHEET = "Phân bổ chia tách"
INSTRUCTIONS_SHEET = "Hướng dẫn"
LISTS_SHEET = "Danh mục"

#: Bounds of an upload: the file, the rows of each sheet, a cell's text, the ZIP's entries and their inflated size.
MAX_SHEET_BYTES = 5 * 1024 * 1024
MAX_EVENT_ROWS = 1000
MAX_ALLOCATION_ROWS = 50_000
MAX_CELL_CHARS = 2000
MAX_ZIP_ENTRIES = 200
MAX_UNZIPPED_BYTES = 80 * 1024 * 1024
MAX_ZIP_RATIO = 200

#: Columns of the events sheet (letter, key, header, help).
EVENT_COLUMNS = (
    ("A", "number", _l("STT"), _l("Số thứ tự của sự kiện (số nguyên, không trùng); trang phân bổ dẫn chiếu số này.")),
    ("B", "kind", _l("Loại sự kiện"), _l("Sáp nhập, Hợp nhất, Chia tách, Chuyển đơn vị cấp trên, Đổi tên hoặc Giải "
                                        "thể.")),
    ("C", "sources", _l("Đơn vị nguồn"), _l("Mã định danh hoặc ID của đơn vị (ID viết dạng #123); nhiều đơn vị cách "
                                           "nhau bằng dấu chấm phẩy.")),
    ("D", "target", _l("Đơn vị đích"), _l("Sáp nhập: đơn vị nhận; Chuyển: đơn vị cấp trên mới; Giải thể: đơn vị tiếp "
                                         "nhận; Hợp nhất: đơn vị cấp trên của đơn vị mới (để trống: cấp trên của đơn "
                                         "vị nguồn đầu tiên); Chia tách: để trống.")),
    ("E", "names", _l("Tên đơn vị mới"), _l("Hợp nhất: tên đơn vị mới; Đổi tên: tên mới; Chia tách: tên các đơn vị "
                                           "mới, cách nhau bằng dấu chấm phẩy.")),
    ("F", "types", _l("Loại đơn vị mới"), _l("Theo trang Danh mục; để trống: loại của đơn vị nguồn. Chia tách: một "
                                            "loại cho tất cả hoặc từng loại cách nhau bằng dấu chấm phẩy.")),
    ("G", "codes", _l("Mã định danh mới"), _l("Mã định danh của đơn vị mới (hoặc mã mới khi đổi tên); chia tách: "
                                             "từng mã cách nhau bằng dấu chấm phẩy, theo thứ tự tên.")),
    ("H", "rest", _l("Đơn vị mới nhận phần còn lại"), _l("Chia tách: số thứ tự (1, 2 …), mã hoặc tên của đơn vị mới "
                                                        "nhận các đơn vị trực thuộc, nhân sự, tài khoản và phân quyền "
                                                        "không được phân bổ riêng; để trống: đơn vị mới thứ nhất.")),
    ("I", "decision_number", _l("Số quyết định"), _l("Bắt buộc.")),
    ("J", "decision_date", _l("Ngày quyết định"), _l("Bắt buộc, dạng dd/mm/yyyy.")),
    ("K", "effective_date", _l("Ngày hiệu lực"), _l("Dạng dd/mm/yyyy; để trống: ngày quyết định.")),
    ("L", "note", _l("Ghi chú"), _l("Không bắt buộc.")),
)
#: Columns of the allocation sheet.
ALLOCATION_COLUMNS = (
    ("A", "event", _l("STT sự kiện"), _l("STT của sự kiện chia tách trên trang Sự kiện.")),
    ("B", "cccd", _l("Số CCCD"), _l("Số căn cước của người được phân bổ (12 chữ số, nhập dạng văn bản).")),
    ("C", "person_id", _l("Mã hồ sơ"), _l("Hoặc mã hồ sơ (ID) của người được phân bổ.")),
    ("D", "unit", _l("Đơn vị trực thuộc"), _l("Hoặc mã định danh / ID của một đơn vị trực thuộc của đơn vị bị chia "
                                             "tách.")),
    ("E", "to", _l("Chuyển về đơn vị mới"), _l("Số thứ tự (1, 2 …), mã định danh hoặc tên của đơn vị mới.")),
    ("F", "label", _l("Họ tên / ghi chú"), _l("Để đối chiếu, không bắt buộc.")),
)
_KIND_ALIASES = {
    "merge": ("sap nhap",), "consolidate": ("hop nhat",), "split": ("chia tach",),
    "move": ("chuyen", "chuyen don vi", "chuyen don vi cap tren"), "rename": ("doi ten",), "dissolve": ("giai the",),
}
_ID_RE = re.compile(r"^#?([0-9]{1,9})$")
_DATE_RE = re.compile(r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})$")
#: Control characters, raw or as the XML escape Excel and XlsxWriter write for them (``_x0001_``; tab and new
#: lines excepted).
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|_x00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F])_")


# --------------------------------------------------------------------------- parsed values


@dataclass(frozen=True)
class Issue:
    """A problem of the sheet, where it is (sheet, row, column letter; row 0: the whole file)."""

    sheet: str
    row: int
    column: str
    message: str

    @property
    def where(self) -> str:
        """Sheet, row and cell, in Vietnamese."""
        if not self.row:
            return _("Tệp")
        if self.column:
            return _("Trang “%(sheet)s”, dòng %(row)s, ô %(cell)s", sheet=self.sheet, row=self.row,
                     cell=f"{self.column}{self.row}")
        return _("Trang “%(sheet)s”, dòng %(row)s", sheet=self.sheet, row=self.row)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class UnitRef:
    """A unit named in a cell: by its ID (``#12`` or ``12``) or by its mã định danh."""

    text: str
    id: int | None = None
    code: str | None = None

    @classmethod
    def of(cls, text: str) -> UnitRef:
        """The reference written as ``text``."""
        value = clean(text)
        found = _ID_RE.match(value)
        if found:
            return cls(value, id=int(found.group(1)))
        return cls(value, code=value.upper())


@dataclass
class EventRow:
    """One row of the events sheet, as written (references not resolved)."""

    row: int
    number: int | None
    kind: str | None
    sources: list[UnitRef] = field(default_factory=list)
    target: UnitRef | None = None
    names: list[str] = field(default_factory=list)
    types: list[str | None] = field(default_factory=list)
    codes: list[str | None] = field(default_factory=list)
    rest: str = ""
    decision: Decision = field(default_factory=Decision)


@dataclass
class Allocation:
    """One row of the allocation sheet: a person (CCCD or file id) or a sub-unit, and the new unit it goes to."""

    row: int
    event: int | None
    cccd: str | None = None
    person_id: int | None = None
    unit: UnitRef | None = None
    to: str = ""


@dataclass
class ParsedSheet:
    """The rows of a mapping sheet and the problems found while reading it."""

    events: list[EventRow] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


# --------------------------------------------------------------------------- the template


def _kind_label(kind: str) -> str:
    return str(EVENT_TYPES[kind])


def template_workbook() -> bytes:
    """The empty mapping sheet with its instructions and code lists (XLSX bytes)."""
    import xlsxwriter

    from app.services.reports.people_xlsx import SafeSheet

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    text_fmt = wb.add_format({"num_format": "@"})
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})

    info = wb.add_worksheet(INSTRUCTIONS_SHEET)
    safe = SafeSheet(wb, info)
    info.set_column(0, 0, 28)
    info.set_column(1, 1, 100, wrap)
    lines = [
        (_("Tệp sắp xếp tổ chức"), _("Mỗi dòng của trang “%(sheet)s” là một sự kiện; các sự kiện được thực hiện lần "
                                      "lượt theo thứ tự dòng, dòng sau có thể dùng đơn vị do dòng trước lập ra (theo "
                                      "mã định danh mới).", sheet=EVENTS_SHEET)),
        (_("Xem trước"), _("Tải tệp lên để xem trước toàn bộ kế hoạch: đơn vị chấm dứt, đơn vị thành lập, số nhân sự, "
                           "tài khoản và phân quyền được chuyển, lỗi của từng dòng. Chưa có gì được ghi.")),
        (_("Thực hiện"), _("Khi xác nhận, toàn bộ tệp được thực hiện trong một lần: một dòng lỗi thì không có thay "
                           "đổi nào được ghi.")),
        (_("Chia tách"), _("Trang “%(sheet)s” phân bổ từng người (theo số CCCD hoặc mã hồ sơ) và từng đơn vị trực "
                           "thuộc về các đơn vị mới; phần không được phân bổ chuyển về đơn vị ở cột “Đơn vị mới nhận "
                           "phần còn lại”. Tài khoản của mỗi người đi theo người đó.", sheet=ALLOCATION_SHEET)),
        (_("Giới hạn"), _("Tối đa %(events)s sự kiện, %(people)s dòng phân bổ, tệp không quá %(mb)s MB; không dùng "
                          "công thức, macro.", events=MAX_EVENT_ROWS, people=MAX_ALLOCATION_ROWS,
                          mb=MAX_SHEET_BYTES // (1024 * 1024))),
        ("", ""),
        (_("Cột của trang “%(sheet)s”", sheet=EVENTS_SHEET), ""),
        *[(f"{letter}. {header}", str(help_text)) for letter, _k, header, help_text in EVENT_COLUMNS],
        ("", ""),
        (_("Cột của trang “%(sheet)s”", sheet=ALLOCATION_SHEET), ""),
        *[(f"{letter}. {header}", str(help_text)) for letter, _k, header, help_text in ALLOCATION_COLUMNS],
        ("", ""),
        (_("Ví dụ"), ""),
        (_("Sáp nhập"), _("Nguồn: 000.03.41.H26; 000.04.41.H26 — Đích: 000.00.00.H26 (hai phường sáp nhập vào đơn vị "
                          "đích).")),
        (_("Hợp nhất"), _("Nguồn: 000.03.55.H26; 000.04.55.H26 — Tên mới: UBND xã Gia Lâm — Mã mới: H26.101.")),
        (_("Chuyển đơn vị cấp trên"), _("Nguồn: 001.02.55.H26 — Đích: H26.101 (đơn vị do dòng trên lập ra).")),
        (_("Chia tách"), _("Nguồn: 000.02.41.H26 — Tên mới: Phòng Tài chính; Phòng Kế hoạch — Nhận phần còn lại: 1.")),
    ]
    for r, (title, body) in enumerate(lines):
        safe.text(r, 0, title)
        safe.text(r, 1, body)

    for name, columns, rows in ((EVENTS_SHEET, EVENT_COLUMNS, MAX_EVENT_ROWS),
                                (ALLOCATION_SHEET, ALLOCATION_COLUMNS, MAX_ALLOCATION_ROWS)):
        ws = wb.add_worksheet(name)
        head = SafeSheet(wb, ws)
        for c, (_letter, key, header, help_text) in enumerate(columns):
            head.text(0, c, str(header))
            ws.write_comment(0, c, str(help_text))
            width = 18 if key not in ("names", "sources", "target", "label") else 36
            fmt = date_fmt if key in ("decision_date", "effective_date") else text_fmt
            ws.set_column(c, c, width, fmt)
        ws.set_row(0, 32, bold)
        ws.freeze_panes(1, 0)
        if name == EVENTS_SHEET:
            unit_types = [code for code in UNIT_TYPES if code != ROOT_TYPE]
            ws.data_validation(1, 1, rows, 1, {"validate": "list",
                                               "source": f"='{LISTS_SHEET}'!$A$2:$A${len(KINDS) + 1}"})
            ws.data_validation(1, 5, rows, 5, {"validate": "list", "ignore_blank": True, "error_type": "warning",
                                               "source": f"='{LISTS_SHEET}'!$B$2:$B${len(unit_types) + 1}"})
    lists = wb.add_worksheet(LISTS_SHEET)
    lists_safe = SafeSheet(wb, lists)
    lists_safe.text(0, 0, _("Loại sự kiện"))
    lists_safe.text(0, 1, _("Loại đơn vị"))
    for i, kind in enumerate(KINDS, start=1):
        lists_safe.text(i, 0, _kind_label(kind))
    unit_types = [code for code in UNIT_TYPES if code != ROOT_TYPE]
    for i, code in enumerate(unit_types, start=1):
        lists_safe.text(i, 1, str(UNIT_TYPES[code]))
    lists.set_column(0, 1, 40)
    wb.close()
    return buf.getvalue()


# --------------------------------------------------------------------------- reading


class _Refused(Exception):
    """The file as a whole cannot be read (its message says why)."""


def _check_container(content: bytes) -> None:
    """Refuse what is not a plain XLSX before any XML is parsed: size, ZIP structure, macros, inflated size."""
    if not content:
        raise _Refused(_("Chưa chọn tệp."))
    if len(content) > MAX_SHEET_BYTES:
        raise _Refused(_("Tệp lớn hơn %(mb)s MB.", mb=MAX_SHEET_BYTES // (1024 * 1024)))
    if content[:4] != b"PK\x03\x04":
        raise _Refused(_("Tệp không phải bảng tính Excel (.xlsx)."))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            if len(infos) > MAX_ZIP_ENTRIES:
                raise _Refused(_("Tệp có quá nhiều thành phần (%(n)s); không phải bảng tính thông thường.",
                                 n=len(infos)))
            if "xl/workbook.xml" not in names:
                raise _Refused(_("Tệp không phải bảng tính Excel (.xlsx)."))
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise _Refused(_("Tệp có chứa macro; hãy lưu lại dưới dạng .xlsx không có macro."))
            total = 0
            for info in infos:
                total += info.file_size
                if info.file_size > MAX_UNZIPPED_BYTES or total > MAX_UNZIPPED_BYTES or (
                        info.file_size > 1024 * 1024 and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1)):
                    raise _Refused(_("Tệp giải nén quá lớn (có thể là tệp độc hại); không đọc."))
    except zipfile.BadZipFile:
        raise _Refused(_("Tệp bị hỏng hoặc không phải bảng tính Excel (.xlsx).")) from None


def _text(value: Any) -> str:
    """A cell's value as NFC text ("" for none; a whole number without ".0")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value)).strip()


def _date(value: Any) -> date | None | str:
    """A date cell: a date, None when empty, or the text when it is not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        try:
            found = from_excel(value)
            return found.date() if isinstance(found, datetime) else found
        except (ValueError, OverflowError, TypeError):
            return str(value)
    text = _text(value)
    found = _DATE_RE.match(text)
    if found:
        try:
            return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
        except ValueError:
            return text
    return text


def _kind(value: str) -> str | None:
    key = search_key(value).replace("_", " ").replace("-", " ")
    key = " ".join(key.split())
    for kind in KINDS:
        if key in (kind, search_key(_kind_label(kind)), *_KIND_ALIASES[kind]):
            return kind
    return None


def _split_list(text: str) -> list[str]:
    """A cell holding several values (``;`` or a new line between them)."""
    return [clean(p) for p in re.split(r"[;\n]", text)] if text else []


class _SheetReader:
    """Rows of one worksheet as ``{key: value}``, every cell checked (formula, control characters, length)."""

    def __init__(self, ws, name: str, columns, cap: int, issues: list[Issue]):
        self.ws, self.name, self.columns, self.cap, self.issues = ws, name, columns, cap, issues

    def rows(self):
        width = len(self.columns)
        # The declared size (the sheet's dimension) may count formatted but empty rows: up to ten times the cap they
        # are read and must be empty past the cap; a larger one is refused unread (1,048,576 rows).
        declared = getattr(self.ws, "max_row", None)
        declared = declared if isinstance(declared, int) else None
        if declared is not None and declared > 10 * self.cap + 1:
            self.issues.append(Issue(self.name, 0, "", _("Trang “%(sheet)s” có quá %(n)s dòng dữ liệu.",
                                                         sheet=self.name, n=self.cap)))
            return
        last = max(declared or 0, self.cap + 2)
        header_checked = False
        for r, cells in enumerate(self.ws.iter_rows(min_row=1, max_row=last, max_col=width), start=1):
            values = {}
            bad = False
            for c, cell in enumerate(cells):
                letter, key = self.columns[c][0], self.columns[c][1]
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")
                                                               and getattr(cell, "data_type", None) == "f"):
                    self.issues.append(Issue(self.name, r, letter, _("Ô chứa công thức; hãy nhập giá trị.")))
                    bad = True
                    continue
                if isinstance(value, str):
                    if len(value) > MAX_CELL_CHARS:
                        self.issues.append(Issue(self.name, r, letter, _("Ô dài quá %(n)s ký tự.", n=MAX_CELL_CHARS)))
                        bad = True
                        continue
                    if _CONTROL_RE.search(value):
                        self.issues.append(Issue(self.name, r, letter, _("Ô chứa ký tự điều khiển không hợp lệ.")))
                        bad = True
                        continue
                values[key] = value
            if r == 1:
                header_checked = True
                first = search_key(_text(values.get(self.columns[1][1])))
                if first != search_key(str(self.columns[1][2])):
                    self.issues.append(Issue(self.name, 1, "", _("Dòng tiêu đề không đúng mẫu; hãy dùng tệp mẫu tải "
                                                                 "về từ hệ thống.")))
                    return
                continue
            if all(v is None or _text(v) == "" for v in values.values()) and not bad:
                continue
            if r > self.cap + 1:
                self.issues.append(Issue(self.name, 0, "", _("Trang “%(sheet)s” có quá %(n)s dòng dữ liệu.",
                                                             sheet=self.name, n=self.cap)))
                return
            yield r, values, bad
        if not header_checked:
            self.issues.append(Issue(self.name, 1, "", _("Trang “%(sheet)s” trống.", sheet=self.name)))


def _find_sheet(wb, name: str):
    for ws in wb.worksheets:
        if search_key(ws.title) == search_key(name):
            return ws
    return None


def parse_sheet(content: bytes) -> ParsedSheet:
    """Read a mapping sheet: its rows as written and every problem found (Vietnamese, with its place)."""
    parsed = ParsedSheet()
    try:
        _check_container(content)
    except _Refused as exc:
        parsed.issues.append(Issue("", 0, "", str(exc)))
        return parsed
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False, keep_links=False)
    except Exception:  # noqa: BLE001 - any failure of the XML inside is "not a readable workbook"
        parsed.issues.append(Issue("", 0, "", _("Tệp bị hỏng hoặc không phải bảng tính Excel (.xlsx).")))
        return parsed
    try:
        events = _find_sheet(wb, EVENTS_SHEET)
        if events is None:
            parsed.issues.append(Issue("", 0, "", _("Tệp không có trang “%(sheet)s”; hãy dùng tệp mẫu tải về từ hệ "
                                                    "thống.", sheet=EVENTS_SHEET)))
            return parsed
        try:
            _read_events(events, parsed)
            allocation = _find_sheet(wb, ALLOCATION_SHEET)
            if allocation is not None:
                _read_allocations(allocation, parsed)
        except Exception:  # noqa: BLE001 - a malformed sheet XML discovered while streaming
            parsed.issues.append(Issue("", 0, "", _("Tệp bị hỏng hoặc không phải bảng tính Excel (.xlsx).")))
    finally:
        wb.close()
    if not parsed.events and not parsed.issues:
        parsed.issues.append(Issue(EVENTS_SHEET, 0, "", _("Trang “%(sheet)s” chưa có sự kiện nào.",
                                                          sheet=EVENTS_SHEET)))
    return parsed


def _read_events(ws, parsed: ParsedSheet) -> None:
    seen: dict[int, int] = {}
    for r, v, _bad in _SheetReader(ws, EVENTS_SHEET, EVENT_COLUMNS, MAX_EVENT_ROWS, parsed.issues).rows():
        def add(col: str, message: str, r=r) -> None:
            parsed.issues.append(Issue(EVENTS_SHEET, r, col, message))

        number_text = _text(v.get("number"))
        number = None
        if number_text:
            if number_text.isdigit() and len(number_text) <= 6:
                number = int(number_text)
                if number in seen:
                    add("A", _("STT %(n)s trùng với dòng %(row)s.", n=number, row=seen[number]))
                seen.setdefault(number, r)
            else:
                add("A", _("STT phải là số nguyên."))
        kind_text = _text(v.get("kind"))
        kind = _kind(kind_text) if kind_text else None
        if not kind_text:
            add("B", _("Loại sự kiện là bắt buộc."))
        elif kind is None:
            add("B", _("Loại sự kiện “%(value)s” không hợp lệ (Sáp nhập, Hợp nhất, Chia tách, Chuyển đơn vị cấp "
                       "trên, Đổi tên, Giải thể).", value=kind_text))
        sources = [UnitRef.of(p) for p in _split_list(_text(v.get("sources"))) if p]
        if not sources:
            add("C", _("Đơn vị nguồn là bắt buộc."))
        target_text = clean(_text(v.get("target")))
        dates = {}
        for key, col in (("decision_date", "J"), ("effective_date", "K")):
            found = _date(v.get(key))
            if isinstance(found, str):
                add(col, _("“%(value)s” không phải ngày hợp lệ (dd/mm/yyyy).", value=found))
                found = None
            dates[key] = found
        names = [p for p in _split_list(_text(v.get("names")))]
        types = [p or None for p in _split_list(_text(v.get("types")))]
        codes = [(p.upper() or None) for p in _split_list(_text(v.get("codes")))]
        parsed.events.append(EventRow(
            row=r, number=number, kind=kind, sources=sources, target=UnitRef.of(target_text) if target_text else None,
            names=names, types=types, codes=codes, rest=clean(_text(v.get("rest"))),
            decision=Decision(number=clean(_text(v.get("decision_number"))) or None, date=dates["decision_date"],
                              effective_date=dates["effective_date"], note=clean(_text(v.get("note"))) or None)))
    # Rows without an STT are numbered after the largest one given, in sheet order.
    following = max(seen, default=0)
    for event in parsed.events:
        if event.number is None:
            following += 1
            event.number = following


def _read_allocations(ws, parsed: ParsedSheet) -> None:
    for r, v, _bad in _SheetReader(ws, ALLOCATION_SHEET, ALLOCATION_COLUMNS, MAX_ALLOCATION_ROWS,
                                   parsed.issues).rows():
        def add(col: str, message: str, r=r) -> None:
            parsed.issues.append(Issue(ALLOCATION_SHEET, r, col, message))

        event_text = _text(v.get("event"))
        event = int(event_text) if event_text.isdigit() and len(event_text) <= 6 else None
        if event is None:
            add("A", _("STT sự kiện là bắt buộc và phải là số nguyên."))
        raw_cccd = v.get("cccd")
        cccd = None
        if raw_cccd not in (None, ""):
            cccd = (f"{int(raw_cccd):012d}" if isinstance(raw_cccd, int | float) and not isinstance(raw_cccd, bool)
                    else "".join(ch for ch in _text(raw_cccd) if not ch.isspace()))
            if not (cccd.isdigit() and len(cccd) == 12):
                add("B", _("Số CCCD “%(value)s” phải gồm 12 chữ số.", value=_text(raw_cccd)))
                cccd = None
        person_text = _text(v.get("person_id")).lstrip("#")
        person_id = None
        if person_text:
            if person_text.isdigit() and len(person_text) <= 9:
                person_id = int(person_text)
            else:
                add("C", _("Mã hồ sơ “%(value)s” không hợp lệ.", value=person_text))
        unit_text = clean(_text(v.get("unit")))
        named = sum(1 for x in (raw_cccd not in (None, ""), bool(person_text), bool(unit_text)) if x)
        if named != 1:
            add("B", _("Mỗi dòng ghi đúng một trong ba: số CCCD, mã hồ sơ hoặc đơn vị trực thuộc."))
        to = clean(_text(v.get("to")))
        if not to:
            add("E", _("Hãy ghi đơn vị mới tiếp nhận."))
        parsed.allocations.append(Allocation(row=r, event=event, cccd=cccd, person_id=person_id,
                                             unit=UnitRef.of(unit_text) if unit_text else None, to=to))
