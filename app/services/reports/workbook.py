"""How every XLSX export is written (issue 17 item 6): one home for the workbook options and the safe sheet.

- **Constant memory**: :func:`new_workbook` opens XlsxWriter in ``constant_memory`` mode: each row is flushed to a
  temporary file as soon as a later row is written, so memory does not grow with the file (250,000 rows of the
  people list are measured by the bench). Rows must therefore be written top to bottom; a cell of a row already
  left is silently lost, which :class:`SafeSheet` guards against (:meth:`SafeSheet.text` … raise).
- **No formula injection**: text is never read as a formula, a number or a link (``strings_to_formulas`` …
  off; :meth:`SafeSheet.text` always calls ``write_string``), and a text starting with ``=``, ``+``, ``-``, ``@``
  (or a tab / carriage return) gets Excel's "quote prefix" style, so that editing the cell in a spreadsheet does
  not turn it into a formula either (the text itself is kept as it is).
- **Merged headers in constant memory** (the official two-level header of BM02): XlsxWriter's ``merge_range``
  pads the whole merged area with blank cells at once, which in constant-memory mode flushes the first row as
  soon as a merge spans two rows (and refuses every later merge on that row). :meth:`SafeSheet.merge` writes the
  first row's cells, records the range, and writes the covered cells of the later rows when the sheet reaches
  them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter
from xlsxwriter.utility import xl_range

__all__ = ["FORMULA_PREFIXES", "SafeSheet", "needs_quote", "new_workbook"]

#: First characters a spreadsheet reads as the start of a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: The options of every export workbook.
OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
           "strings_to_urls": False}


def needs_quote(text: str) -> bool:
    """True when ``text`` would start a formula in a spreadsheet."""
    return bool(text) and text.startswith(FORMULA_PREFIXES)


def new_workbook(path: str) -> xlsxwriter.Workbook:
    """A workbook at ``path`` written in constant memory, its text never converted (close it when done)."""
    return xlsxwriter.Workbook(path, OPTIONS)


class RowOrderError(RuntimeError):
    """A cell written above the row the constant-memory sheet has reached (it would be lost)."""


class SafeSheet:
    """A worksheet written top to bottom whose text cells can never be formulas.

    Cells: :meth:`text`, :meth:`number`, :meth:`day`, :meth:`blank`, :meth:`value` (by type), :meth:`merge`;
    :meth:`line` writes a list of values at the cursor row (:attr:`row`) and moves it down. Formats are made with
    :meth:`format`, so that a quoted twin of any of them can be made when a text needs the quote prefix.
    """

    def __init__(self, workbook: xlsxwriter.Workbook, sheet, widths: Iterable[int] = ()):
        self.book, self.sheet = workbook, sheet
        #: The cursor of :meth:`line`.
        self.row = 0
        self._props: dict[int, dict] = {}
        self._quoted: dict[int | None, object] = {}
        self._reached = 0
        #: Rows must come in order only when XlsxWriter flushes each row (``constant_memory``); an in-memory
        #: workbook (a small template) may go back up.
        self._ordered = bool(getattr(workbook, "constant_memory", True))
        #: Row -> cells a vertical merge covers there: (first col, last col, format).
        self._pending: dict[int, list[tuple[int, int, object]]] = {}
        self.quoted = self._quoted_of(None)
        self.day_format = self.format(num_format="dd/mm/yyyy")
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)

    # ------------------------------------------------------------------ formats

    def format(self, **props):
        """A cell format (``workbook.add_format``) whose properties are remembered for its quoted twin."""
        fmt = self.book.add_format(props)
        self._props[id(fmt)] = props
        return fmt

    def _quoted_of(self, fmt):
        key = None if fmt is None else id(fmt)
        if key not in self._quoted:
            self._quoted[key] = self.book.add_format({**self._props.get(key, {}), "quote_prefix": True})
        return self._quoted[key]

    # ------------------------------------------------------------------ row order

    def _enter(self, row: int) -> None:
        """Check that ``row`` is not above the rows already left, and write what a merge covers there (the cell
        writers call it only when the row changes: it would otherwise cost a call per cell)."""
        if row < self._reached and self._ordered:
            raise RowOrderError(f"row {row} written after row {self._reached} (constant memory)")
        if self._pending:
            for r in sorted(r for r in self._pending if r <= row):
                for first, last, fmt in self._pending.pop(r):
                    for col in range(first, last + 1):
                        self.sheet.write_blank(r, col, None, fmt)
        self._reached = max(row, self._reached) if not self._ordered else row

    # ------------------------------------------------------------------ cells

    def text(self, row: int, col: int, value, fmt=None) -> None:
        """A text cell (None and "" leave the cell empty, unless a format is given: a bordered blank)."""
        if value is None or value == "":
            if fmt is not None:
                self.blank(row, col, fmt)
            return
        if row != self._reached:
            self._enter(row)
        value = str(value)
        if value.startswith(FORMULA_PREFIXES):
            self.sheet.write_string(row, col, value, self._quoted_of(fmt))
        elif fmt is not None:
            self.sheet.write_string(row, col, value, fmt)
        else:
            self.sheet.write_string(row, col, value)

    def number(self, row: int, col: int, value, fmt=None) -> None:
        """A number cell (None leaves it empty, or a formatted blank)."""
        if value is None:
            if fmt is not None:
                self.blank(row, col, fmt)
            return
        if row != self._reached:
            self._enter(row)
        if fmt is not None:
            self.sheet.write_number(row, col, float(value) if isinstance(value, Decimal) else value, fmt)
        else:
            self.sheet.write_number(row, col, float(value) if isinstance(value, Decimal) else value)

    def day(self, row: int, col: int, value: date | None, fmt=None) -> None:
        """A date cell shown dd/mm/yyyy (None leaves it empty)."""
        if value is None:
            return
        if row != self._reached:
            self._enter(row)
        self.sheet.write_datetime(row, col, value, fmt if fmt is not None else self.day_format)

    def blank(self, row: int, col: int, fmt) -> None:
        """An empty cell with a format (borders)."""
        if row != self._reached:
            self._enter(row)
        self.sheet.write_blank(row, col, None, fmt)

    def value(self, row: int, col: int, value, fmt=None) -> None:
        """A cell by the type of ``value``: date, number (not bool), else text."""
        if isinstance(value, datetime | date):
            self.day(row, col, value, fmt)
        elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            self.number(row, col, value, fmt)
        else:
            self.text(row, col, value, fmt)

    def line(self, values, fmt=None) -> None:
        """``values`` from column 0 at the cursor row (:meth:`value` each), then the cursor moves down."""
        for col, value in enumerate(values):
            self.value(self.row, col, value, fmt)
        self.row += 1

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int, label, fmt) -> None:
        """Merge a range holding ``label`` (a heading: the app's own text). The first row's cells are written now;
        the covered cells of the later rows when the sheet reaches them (any write there, or :meth:`close`)."""
        if first_row == last_row:
            if first_row != self._reached:
                self._enter(first_row)
            if needs_quote(str(label)):
                fmt = self._quoted_of(fmt)
            self.sheet.merge_range(first_row, first_col, last_row, last_col, str(label), fmt)
            return
        if first_row != self._reached:
            self._enter(first_row)
        cell_range = xl_range(first_row, first_col, last_row, last_col)
        for r in range(first_row, last_row + 1):
            for c in range(first_col, last_col + 1):
                if (r, c) in self.sheet.merged_cells:
                    raise ValueError(f"merge {cell_range} overlaps {self.sheet.merged_cells[(r, c)]}")
                self.sheet.merged_cells[(r, c)] = cell_range
        # What ``merge_range`` records, without its padding of the later rows (see the module's docstring).
        self.sheet.merge.append([first_row, first_col, last_row, last_col])
        self.text(first_row, first_col, label, fmt)
        for c in range(first_col + 1, last_col + 1):
            self.sheet.write_blank(first_row, c, None, fmt)
        for r in range(first_row + 1, last_row + 1):
            self._pending.setdefault(r, []).append((first_col, last_col, fmt))

    def close(self) -> None:
        """Write what merges still cover (a sheet that ends inside a merge)."""
        if self._pending:
            self._enter(max(self._pending))
