"""Reading an uploaded file safely (issue 19, items 2 and 5): an XLSX workbook or a CSV text, as sheets of text
cells, in bounded memory and time.

- **What it is** is decided by the content, never the name: a ZIP holding ``xl/workbook.xml`` is a workbook;
  text is a CSV. Anything else (a PDF, an old binary ``.xls``, an image) is refused.
- **XLSX**: before the workbook is opened, the ZIP's directory is read: a workbook with macros (``vbaProject.bin``, a
  macro-enabled content type) is refused; so is a ZIP whose entries declare more than
  :data:`MAX_UNCOMPRESSED` bytes in all or a compression ratio above :data:`MAX_RATIO` (a zip bomb) — ``zipfile``
  never inflates an entry beyond its declared size, so the declared sizes bound what is read. Sheets are streamed
  with lxml's ``iterparse`` (:class:`_Book`: no entities, no DTD, no network), row by row; a sheet longer than
  :data:`MAX_ROWS` stops the read.
- **CSV**: UTF-8 with or without BOM, UTF-16 with its BOM, else Latin-1 (the legacy TCVN3/VNI texts are then
  converted cell by cell, ``app.text_legacy``); the delimiter is ";" or "," (or a tab), whichever splits the
  header line into more columns. A NUL byte (a binary file) is refused.
- **Cells** become text: NFC, at most :data:`MAX_CELL` characters (a longer one is cut and flagged), control
  characters removed and flagged, a formula cell flagged (its text is not used), numbers and dates written the
  way the form reads them. Flags become cell errors in the report.
"""

from __future__ import annotations

import codecs
import csv
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import gettext as _

from app.text_legacy import detect, to_unicode

__all__ = [
    "Cell",
    "FileRefused",
    "MAX_CELL",
    "MAX_RATIO",
    "MAX_ROWS",
    "MAX_UNCOMPRESSED",
    "Source",
    "check_upload",
    "open_source",
]

#: Longest text kept from one cell (the longest item of the form holds 4,000 characters).
MAX_CELL = 4000
#: Data rows one sheet may have (the importer's cap: a city imports agency by agency).
MAX_ROWS = 200_000
#: Uncompressed bytes all entries of an XLSX may declare, and the highest compression ratio of a large entry.
MAX_UNCOMPRESSED = 600 * 1024 * 1024
MAX_RATIO = 120
#: Entries smaller than this are not held to the ratio (tiny XML parts compress well).
RATIO_FLOOR = 1024 * 1024
#: Columns read from one row at most.
MAX_COLUMNS = 200

_MACRO_TYPES = ("macroEnabled", "vbaProject")


class FileRefused(Exception):
    """The whole file is refused; ``message`` says why, in Vietnamese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Cell:
    """One cell as text, with what reading it found wrong: ``formula``, ``cut`` (longer than MAX_CELL),
    ``control`` (control characters removed), ``legacy`` (converted from TCVN3/VNI)."""

    text: str = ""
    flags: tuple[str, ...] = ()


@dataclass
class Sheet:
    """A sheet: its name and an iterator of (line number, [Cell]) from the first row (the header)."""

    name: str
    rows: Iterator[tuple[int, list[Cell]]]


@dataclass
class Source:
    """A readable upload: its kind ("xlsx" or "csv") and its sheets, in order (read lazily)."""

    kind: str
    sheet_names: list[str]
    _open: object = None
    encodings: dict = field(default_factory=dict)

    _size: object = None

    def sheet(self, name: str) -> Sheet:
        """The sheet called ``name``, read from its first row."""
        return self._open(name)

    def check_sizes(self) -> None:
        """Refuse at once a sheet that declares more than :data:`MAX_ROWS` data rows (a workbook's dimension),
        before any row is read; a sheet without a declared size is still stopped at the cap while it is read."""
        for name in self.sheet_names:
            if self.estimate(name) > MAX_ROWS:
                raise _rows_refused(name)

    def estimate(self, name: str) -> int:
        """Data rows of sheet ``name`` as declared (a workbook's dimension; a CSV's lines), 0 when unknown."""
        try:
            return max(0, int(self._size(name) or 0) - 1)
        except Exception:  # noqa: BLE001 - only a progress estimate
            return 0


# --------------------------------------------------------------------------- cells

_CONTROL = {c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)} | {0x7F}
#: The same characters as one pattern (a regex scan, not a Python loop over every character of every cell).
_CONTROL_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_CONTROL)) + "]")


def _text_cell(raw: str, hint: dict) -> Cell:
    if raw.isascii() and len(raw) <= MAX_CELL and not _CONTROL_RE.search(raw):
        return Cell(raw.strip())  # most cells: nothing to cut, remove or convert (ASCII is NFC)
    flags = []
    if len(raw) > MAX_CELL:
        raw, flags = raw[:MAX_CELL + 1], ["cut"]
    if _CONTROL_RE.search(raw):
        raw = _CONTROL_RE.sub("", raw)
        flags.append("control")
    text, encoding = to_unicode(raw, hint.get("encoding"))
    if encoding != "unicode":
        hint.setdefault("found", set()).add(encoding)
        flags.append("legacy")
    return Cell(text.strip(), tuple(flags))


def _number_text(value) -> str:
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value).replace(".", ",")
    return str(value)


def _value_cell(value, data_type: str | None, hint: dict) -> Cell:
    if value is None:
        return Cell()
    if data_type == "f" or (isinstance(value, str) and value.startswith("=") and data_type == "f"):
        return Cell("", ("formula",))
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return Cell(value.strftime("%d/%m/%Y"))
        return Cell(value.strftime("%d/%m/%Y"))
    if isinstance(value, date):
        return Cell(value.strftime("%d/%m/%Y"))
    if isinstance(value, str):
        return _text_cell(value, hint)
    return Cell(_number_text(value))


# --------------------------------------------------------------------------- checks before reading


def check_upload(content: bytes) -> str:
    """"xlsx" or "csv" for the upload's content, or :class:`FileRefused` with the reason (cheap: the ZIP directory
    only)."""
    if not content:
        raise FileRefused(_("Tệp trống."))
    if content.startswith(b"PK\x03\x04") or content.startswith(b"PK\x05\x06"):
        _check_zip(content)
        return "xlsx"
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(_("Tệp Excel 97–2003 (.xls) hoặc tệp Office cũ không được nhận; hãy lưu lại thành .xlsx."))
    head = content[:4096]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"
    if b"\x00" in content:
        raise FileRefused(_("Tệp không phải bảng tính XLSX hay văn bản CSV (có ký tự NUL)."))
    if head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"MZ", b"\x7fELF")):
        raise FileRefused(_("Tệp không phải bảng tính XLSX hay văn bản CSV."))
    return "csv"


def _check_zip(content: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileRefused(_("Tệp không phải bảng tính XLSX hợp lệ (tệp nén bị hỏng).")) from None
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise FileRefused(_("Tệp nén này không phải bảng tính XLSX."))
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise FileRefused(_("Bảng tính có macro (VBA) không được nhận; hãy lưu lại thành .xlsx không có macro."))
    try:
        types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names and archive.getinfo(
            "[Content_Types].xml").file_size < 1024 * 1024 else b""
    except (zipfile.BadZipFile, OSError, RuntimeError):
        types = b""
    if any(t.encode() in types for t in _MACRO_TYPES):
        raise FileRefused(_("Bảng tính có macro (VBA) không được nhận; hãy lưu lại thành .xlsx không có macro."))
    total = 0
    for info in infos:
        total += info.file_size
        if info.flag_bits & 0x1:
            raise FileRefused(_("Bảng tính được đặt mật khẩu; hãy bỏ mật khẩu rồi tải lên lại."))
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise FileRefused(_("Tệp nén có tỷ lệ nén bất thường (nghi tệp “bom nén”); không được nhận."))
    if total > MAX_UNCOMPRESSED:
        raise FileRefused(_("Bảng tính quá lớn khi giải nén (hơn %(mb)s MB); hãy chia nhỏ tệp.",
                            mb=MAX_UNCOMPRESSED // (1024 * 1024)))


# --------------------------------------------------------------------------- opening


def open_source(path: str, kind: str) -> Source:
    """The upload at ``path`` (checked by :func:`check_upload`) as a :class:`Source`."""
    if kind == "xlsx":
        return _xlsx(path)
    return _csv(path)


def _rows_refused(name: str) -> FileRefused:
    return FileRefused(_("Trang “%(sheet)s” có quá %(n)s dòng; hãy chia tệp thành nhiều lần nhập.", sheet=name,
                         n=f"{MAX_ROWS:,}".replace(",", ".")))


def _xlsx(path: str) -> Source:
    try:
        book = _Book(path)
    except FileRefused:
        raise
    except Exception:  # noqa: BLE001 - any parse failure is a damaged workbook
        raise FileRefused(_("Không đọc được bảng tính (tệp bị hỏng hoặc không đúng định dạng XLSX).")) from None
    hint: dict = {}

    def sheet(name: str) -> Sheet:
        def rows():
            try:
                for line, values in book.rows(name):
                    if line > MAX_ROWS + 1:
                        raise _rows_refused(name)
                    yield line, [_CELL_OF[kind](value, hint) for kind, value in values]
            except FileRefused:
                raise
            except Exception:  # noqa: BLE001 - a damaged sheet's XML
                raise FileRefused(_("Không đọc được trang “%(sheet)s” của bảng tính (tệp bị hỏng).",
                                    sheet=name)) from None

        return Sheet(name, rows())

    return Source("xlsx", list(book.sheets), sheet, hint, book.size)


# --------------------------------------------------------------------------- the XLSX reader

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_C, _V, _F, _IS, _T, _R, _RPH = (_MAIN + n for n in ("c", "v", "f", "is", "t", "r", "rPh"))
_IS_T = f"{_IS}/{_T}"
_EMPTY = (None, None)


def _parser_options() -> dict:
    """lxml's reading of an upload's XML: no entity expansion, no network, no DTD, no huge-tree override."""
    return {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}


_COLUMNS: dict[str, int] = {}


def _col_index(ref: str) -> int:
    """0-based column of a cell reference ("A1" -> 0, "AB12" -> 27); the letters' index is kept once worked out."""
    letters = ref.rstrip("0123456789")
    index = _COLUMNS.get(letters)
    if index is None:
        n = 0
        for ch in letters:
            if not "A" <= ch <= "Z":
                break
            n = n * 26 + ord(ch) - 64
        index = n - 1
        if len(_COLUMNS) < 20_000:
            _COLUMNS[letters] = index
    return index


def _text_of(element) -> str:
    """The text of a string item or inline string: its runs' ``t``, without phonetic (``rPh``) runs."""
    return "".join(t.text or "" for t in element.iter(_T) if t.getparent().tag != _RPH)


class _Book:
    """A streamed reading of an XLSX workbook with lxml (``iterparse``: one row in memory at a time): sheet names
    and parts, shared strings, the cell styles that are dates. openpyxl's read-only mode does the same with a
    Python object per cell; an import reads millions of cells, so this reads them straight from the XML (about
    three times faster) — openpyxl stays the writer of the template and of the report."""

    def __init__(self, path: str):
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

        self.zip = zipfile.ZipFile(path)
        names = set(self.zip.namelist())
        rels = {}
        shared = styles = None
        for el in self._elements("xl/_rels/workbook.xml.rels", _PKG_REL + "Relationship"):
            target = self._part(el.get("Target") or "")
            rels[el.get("Id")] = target
            kind = (el.get("Type") or "").rsplit("/", 1)[-1]
            if kind == "sharedStrings":
                shared = target
            elif kind == "styles":
                styles = target
        self.sheets: dict[str, str] = {}
        self.epoch_1904 = False
        for el in self._elements("xl/workbook.xml", (_MAIN + "sheet", _MAIN + "workbookPr")):
            if el.tag == _MAIN + "workbookPr":
                self.epoch_1904 = (el.get("date1904") or "").lower() in ("1", "true")
            else:
                target = rels.get(el.get(_REL + "id"))
                if target in names:
                    self.sheets[el.get("name") or target] = target
        self.strings: list[str] = []
        if shared in names:
            self.strings = [_text_of(el) for el in self._elements(shared, _MAIN + "si")]
        self.date_styles: set[int] = set()
        if styles in names:
            formats: dict[int, str] = dict(BUILTIN_FORMATS)
            in_xfs, xf_no = False, 0
            for event, el in self._events(styles, ("start", "end")):
                if event == "end" and el.tag == _MAIN + "numFmt":
                    formats[int(el.get("numFmtId") or 0)] = el.get("formatCode") or ""
                elif el.tag == _MAIN + "cellXfs":
                    in_xfs = event == "start"
                elif in_xfs and event == "end" and el.tag == _MAIN + "xf":
                    fmt = formats.get(int(el.get("numFmtId") or 0), "")
                    if fmt and is_date_format(fmt):
                        self.date_styles.add(xf_no)
                    xf_no += 1
                if event == "end" and el.getparent() is not None and el.tag != _MAIN + "cellXfs":
                    el.clear()

    @staticmethod
    def _part(target: str) -> str:
        return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))

    def _events(self, part: str, events=("end",), tag=None):
        from lxml import etree

        with self.zip.open(part) as fh:
            yield from etree.iterparse(fh, events=events, tag=tag, **_parser_options())

    def _elements(self, part: str, tag):
        """The elements ``tag`` of a part, each cleared once used."""
        for _event, el in self._events(part, ("end",), tag):
            yield el
            el.clear(keep_tail=False)

    def size(self, name: str) -> int:
        """The last row the sheet's ``dimension`` declares (0 when it declares none)."""
        for _event, el in self._events(self.sheets[name], ("start",)):
            if el.tag == _MAIN + "dimension":
                ref = (el.get("ref") or "").split(":")[-1]
                digits = "".join(ch for ch in ref if ch.isdigit())
                return int(digits) if digits else 0
            if el.tag == _MAIN + "sheetData":
                return 0
        return 0

    def rows(self, name: str):
        """(line, [(kind, value)]) of each row of sheet ``name`` that has one, at most :data:`MAX_COLUMNS` cells."""
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

        strings, date_styles = self.strings, self.date_styles
        epoch = CALENDAR_MAC_1904 if self.epoch_1904 else CALENDAR_WINDOWS_1900
        line = 0
        for _event, row in self._events(self.sheets[name], ("end",), _MAIN + "row"):
            number = row.get("r")
            line = int(number) if number else line + 1
            cells: list = []
            for c in row.iterchildren(_C):
                ref = c.get("r")
                col = _col_index(ref) if ref else len(cells)
                if col >= MAX_COLUMNS:
                    continue
                if col > len(cells):
                    cells.extend([_EMPTY] * (col - len(cells)))
                elif col < len(cells):
                    continue  # a cell repeated or out of order: the first one counts
                kind = c.get("t") or "n"
                if c.find(_F) is not None:
                    cells.append(("formula", None))
                elif kind == "s":
                    v = c.findtext(_V)
                    cells.append(("text", strings[int(v)] if v else ""))
                elif kind == "inlineStr":
                    text = c.findtext(_IS_T)  # a plain inline string; rich text (runs) is joined
                    if text is None:
                        inline = c.find(_IS)
                        text = _text_of(inline) if inline is not None else ""
                    cells.append(("text", text))
                elif kind in ("str", "e"):
                    cells.append(("text", c.findtext(_V) or ""))
                elif kind == "b":
                    v = c.findtext(_V)
                    cells.append(("bool", v == "1") if v else _EMPTY)
                elif kind == "d":
                    v = c.findtext(_V)
                    cells.append(("iso", v) if v else _EMPTY)
                else:
                    v = c.findtext(_V)
                    if not v:
                        cells.append(_EMPTY)
                    elif int(c.get("s") or 0) in date_styles:
                        cells.append(("date", from_excel(float(v), epoch)))
                    else:
                        cells.append(("number", float(v) if any(ch in v for ch in ".eE") else int(v)))
            row.clear(keep_tail=False)
            parent = row.getparent()
            if parent is not None:
                while row.getprevious() is not None:
                    del parent[0]
            yield line, cells


def _iso_cell(value: str, hint: dict) -> Cell:
    try:
        return _value_cell(datetime.fromisoformat(value.rstrip("Z")), None, hint)
    except ValueError:
        return _text_cell(value, hint)


_CELL_OF = {
    None: lambda _value, _hint: Cell(),
    "text": lambda value, hint: _text_cell(value, hint) if value else Cell(),
    "formula": lambda _value, _hint: Cell("", ("formula",)),
    "bool": lambda value, _hint: Cell(_number_text(value)),
    "number": lambda value, _hint: Cell(_number_text(value)),
    "date": lambda value, hint: _value_cell(value, None, hint),
    "iso": _iso_cell,
}


def _decode(content: bytes) -> str:
    if content.startswith(codecs.BOM_UTF8):
        return content[3:].decode("utf-8", errors="replace")
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16", errors="replace")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("latin-1")


def sniff_delimiter(first_line: str) -> str:
    """";" , "," or tab: the one that splits the header line into the most columns (";" wins ties: Excel in
    Vietnamese writes it)."""
    line = (first_line.splitlines() or [""])[0]
    counts = {}
    for d in (";", ",", "\t"):
        try:
            counts[d] = len(next(csv.reader([line], delimiter=d), []))
        except csv.Error:
            counts[d] = 0
    return max((";", ",", "\t"), key=lambda d: counts[d])


def _csv(path: str) -> Source:
    with open(path, "rb") as fh:
        content = fh.read()
    text = _decode(content)
    if "\x00" in text:
        raise FileRefused(_("Tệp không phải văn bản CSV (có ký tự NUL)."))
    first = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(first)
    found = detect(text)  # the whole text: its encoding is the hint of every cell (a header alone may not tell)
    hint: dict = {"encoding": found} if found != "unicode" else {}

    def sheet(name: str) -> Sheet:
        def rows():
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            try:
                for line, row in enumerate(reader, start=1):
                    if line > MAX_ROWS + 1:
                        raise _rows_refused(name)
                    yield line, [_text_cell(value, hint) for value in row[:MAX_COLUMNS]]
            except csv.Error:
                raise FileRefused(_("Tệp CSV không đúng định dạng (dấu ngoặc kép không đóng, dòng quá dài …)."))\
                    from None

        return Sheet(name, rows())

    return Source("csv", ["CSV"], sheet, hint, lambda name: text.count("\n"))
