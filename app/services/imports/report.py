"""The dry run's error report (issue 19, item 3): the uploaded workbook written again, every sheet with its cells
as read, a last column "Lỗi / cảnh báo" with the messages of each row, and the cells with an error highlighted
(a warning's row in yellow). A CSV upload comes back as a one-sheet workbook. Written in constant memory with the
people list's formula-safe cells (``reports.people_xlsx.SafeSheet``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import xlsxwriter
from flask_babel import gettext as _

from app.services.imports import layout as lay
from app.services.imports.sources import Source
from app.services.reports.people_xlsx import SafeSheet

__all__ = ["index_issues", "write_report"]


def index_issues(rows: Iterable[tuple[list, list]]) -> dict[tuple[str, int], list[tuple[str, str, bool]]]:
    """{(sheet, line): [(field, message, is_error), …]} from (errors, warnings) pairs of the staged rows."""
    out: dict[tuple[str, int], list] = defaultdict(list)
    for errors, warnings in rows:
        for sheet, line, name, message in errors:
            out[(sheet, int(line))].append((name, message, True))
        for sheet, line, name, message in warnings:
            out[(sheet, int(line))].append((name, message, False))
    return out


def _spec_for(sheet_name: str, file_format: str) -> lay.SheetSpec | None:
    if file_format == "2c":
        return lay.legacy_layout()
    for spec in lay.template_layout():
        if spec.title == sheet_name or (spec.key == lay.PERSON_SHEET and file_format == "csv"):
            return spec
        if spec.key != lay.PERSON_SHEET and sheet_name.split()[:1] == spec.title.split()[:1]:
            return spec
    return None


def write_report(path: str, source: Source, file_format: str,
                 issues: dict[tuple[str, int], list[tuple[str, str, bool]]]) -> None:
    """Write the report of ``source`` with ``issues`` (:func:`index_issues`) to ``path``."""
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False,
                                          "strings_to_numbers": False, "strings_to_urls": False})
    try:
        bad = workbook.add_format({"bg_color": "#F8CBAD", "border": 1, "border_color": "#C00000"})
        warn = workbook.add_format({"bg_color": "#FFF2CC"})
        note = workbook.add_format({"font_color": "#C00000", "text_wrap": True})
        head = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
        for name in source.sheet_names:
            ws = workbook.add_worksheet(name[:31])
            out = SafeSheet(workbook, ws)
            spec = _spec_for(name, file_format)
            columns: dict[str, int] = {}
            err_col = None
            for line, cells in source.sheet(name).rows:
                texts = [c.text for c in cells]
                found = issues.get((name, line), [])
                if err_col is None:
                    if not any(texts):
                        continue
                    while texts and not texts[-1]:
                        texts.pop()
                    err_col = len(texts)
                    if spec is not None:
                        matched, _unknown = lay.match_columns(spec, texts)
                        columns = {col.name: i for i, col in matched.items()}
                    for i, text in enumerate(texts):
                        if text:
                            ws.write_string(line - 1, i, text, head)
                    ws.write_string(line - 1, err_col, _("Lỗi / cảnh báo"), head)
                    if found:
                        ws.write_string(line - 1, err_col + 1, "\n".join(m for _f, m, _e in found), note)
                    ws.set_column(0, max(err_col - 1, 0), 18)
                    ws.set_column(err_col, err_col, 60)
                    continue
                texts = texts[:err_col]
                marked = {columns[f] for f, _m, is_error in found if is_error and f in columns}
                row_warn = bool(found) and not any(is_error for _f, _m, is_error in found)
                for i in range(err_col):
                    text = texts[i] if i < len(texts) else ""
                    if i in marked:
                        ws.write_string(line - 1, i, text, bad) if text else ws.write_blank(line - 1, i, None, bad)
                    elif text:
                        out.text(line - 1, i, text)
                    elif row_warn:
                        ws.write_blank(line - 1, i, None, warn)
                if found:
                    messages = "\n".join(("" if is_error else _("Cảnh báo: ")) + message
                                         for _f, message, is_error in found)
                    ws.write_string(line - 1, err_col, messages, warn if row_warn else note)
    finally:
        workbook.close()
