"""Reading an uploaded file safely (issue 19, items 2 and 5): an XLSX workbook or a CSV text, as sheets of text
cells, in bounded memory and time.

- **What it is** is decided by the content, never the name: a ZIP holding ``xl/workbook.xml`` is a workbook;
  text is a CSV. Anything else (a PDF, an old binary ``.xls``, an image) is refused.
- **XLSX**: before openpyxl opens it, the ZIP's directory is read: a workbook with macros (``vbaProject.bin``, a
  macro-enabled content type) is refused; so is a ZIP whose entries declare more than
  :data:`MAX_UNCOMPRESSED` bytes in all or a compression ratio above :data:`MAX_RATIO` (a zip bomb) — ``zipfile``
  never inflates an entry beyond its declared size, so the declared sizes bound what is read. Sheets are read with
  openpyxl's ``read_only`` mode (streamed XML), row by row; a sheet longer than :data:`MAX_ROWS` stops the read.
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
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception:  # noqa: BLE001 - any parse failure is a damaged workbook
        raise FileRefused(_("Không đọc được bảng tính (tệp bị hỏng hoặc không đúng định dạng XLSX).")) from None
    hint: dict = {}

    def sheet(name: str) -> Sheet:
        ws = workbook[name]

        def rows():
            try:
                for line, row in enumerate(ws.iter_rows(), start=1):
                    if line > MAX_ROWS + 1:
                        raise _rows_refused(name)
                    cells = []
                    for cell in row[:MAX_COLUMNS]:
                        value = getattr(cell, "value", None)
                        cells.append(_value_cell(value, getattr(cell, "data_type", None), hint))
                    yield line, cells
            except FileRefused:
                raise
            except Exception:  # noqa: BLE001 - a damaged sheet's XML
                raise FileRefused(_("Không đọc được trang “%(sheet)s” của bảng tính (tệp bị hỏng).",
                                    sheet=name)) from None

        return Sheet(name, rows())

    return Source("xlsx", list(workbook.sheetnames), sheet, hint, lambda name: workbook[name].max_row or 0)


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
