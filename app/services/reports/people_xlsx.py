"""The people list as an XLSX workbook (issue 17, item 6), written row by row in constant memory.

- **Constant memory**: XlsxWriter's ``constant_memory`` mode flushes each row to a temporary file as soon as the
  next one starts, and the rows come from one streamed query (a server-side cursor, ``yield_per``): memory does
  not grow with the list (250,000 rows are measured by ``bench/run.py``: ``export_people_city_xlsx``).
- **No formula injection** (``workbook.SafeSheet``, shared by every export): every text cell is written with
  ``write_string`` (never parsed as a formula, a number or a link), and a text starting with ``=``, ``+``,
  ``-``, ``@`` (or a tab / carriage return) gets Excel's "quote prefix" style, so that editing the cell in a
  spreadsheet does not turn it into a formula either (the text itself is kept as it is).
- **Masking**: the columns are the list page's; the CCCD is shown in clear only on the files where the
  requester reads its level (``scope.level_filter``, one SQL condition in the query), masked as on the page
  (``app.crypto.mask``) elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import case, select

from app.crypto import mask
from app.security import scope
from app.services import code_lists
from app.services.personnel.checks import format_partial_date
from app.services.personnel.people import CATEGORIES, STATUSES
from app.services.personnel.queries import LIST_COLUMNS, PersonFilter, person_conditions
from app.services.personnel.syll import section
from app.services.reports.workbook import FORMULA_PREFIXES, SafeSheet, needs_quote, new_workbook
from models.org_units import OrgUnit
from models.personnel import Person

__all__ = ["FORMULA_PREFIXES", "SafeSheet", "count_people", "headers", "needs_quote", "people_rows", "write_people"]

#: Rows fetched from the database at a time (the server-side cursor's batch).
FETCH_ROWS = 2000


def headers() -> list[str]:
    """The workbook's column headers (the list page's columns, the status always)."""
    return [_("STT"), _("Họ và tên"), _("Ngày sinh"), _("Giới tính"), _("Đơn vị"), _("Chức vụ"),
            _("Ngạch, chức danh nghề nghiệp"), _("Đối tượng"), _("Trạng thái"), _("Số CCCD"),
            _("Mức hoàn thiện hồ sơ (%)")]


WIDTHS = (6, 30, 12, 9, 40, 28, 32, 16, 18, 16, 12)


def _statement(user, flt: PersonFilter, day: date):
    conds = person_conditions(user, flt, day)
    clear = scope.level_filter(user, section("documents").field("cccd").level)
    return (select(*LIST_COLUMNS, OrgUnit.name.label("unit_name"), case((clear, True), else_=False).label("cccd_clear"))
            .join(OrgUnit, OrgUnit.id == Person.org_unit_id)
            .where(*conds).order_by(Person.sort_key, Person.id))


def count_people(user, flt: PersonFilter, day: date) -> int:
    """How many rows the export will have (one COUNT over the same conditions)."""
    from sqlalchemy import func

    from app.extensions import db

    return db.session.scalar(select(func.count()).select_from(Person).where(*person_conditions(user, flt, day)))


def people_rows(user, flt: PersonFilter, day: date) -> Iterable:
    """The list's rows for ``user`` and ``flt`` in Vietnamese order, streamed (server-side cursor)."""
    from app.extensions import db

    result = db.session.execute(_statement(user, flt, day).execution_options(yield_per=FETCH_ROWS))
    yield from result


def write_people(path: str, rows: Iterable, progress: Callable[[int], None] | None = None) -> int:
    """Write ``rows`` (from :func:`people_rows`) to a new workbook at ``path``; returns the number of rows.
    ``progress(n)`` is called after every row."""
    genders, ranks = code_lists.labels("gender"), code_lists.labels("rank")
    categories = {k: str(v) for k, v in CATEGORIES.items()}
    statuses = {k: str(v) for k, v in STATUSES.items()}
    workbook = new_workbook(path)
    try:
        sheet = workbook.add_worksheet(_("Danh sách hồ sơ")[:31])
        out = SafeSheet(workbook, sheet, WIDTHS)
        bold = out.format(bold=True, text_wrap=True, valign="top")
        for col, title in enumerate(headers()):
            out.text(0, col, title, bold)
        sheet.freeze_panes(1, 0)
        n = 0
        for r in rows:
            n += 1
            name = " ".join(p for p in (r.family_name, r.middle_name, r.given_name) if p)
            out.number(n, 0, n)
            out.text(n, 1, name)
            out.text(n, 2, format_partial_date(r.birth_date, r.birth_date_precision))
            out.text(n, 3, genders.get(r.gender, r.gender))
            out.text(n, 4, r.unit_name)
            out.text(n, 5, r.position)
            out.text(n, 6, ranks.get(r.rank_code, r.rank_code) if r.rank_code else None)
            out.text(n, 7, categories.get(r.category, r.category))
            out.text(n, 8, statuses.get(r.status, r.status))
            out.text(n, 9, r.cccd if r.cccd_clear else mask(r.cccd))
            out.number(n, 10, r.completeness)
            if progress is not None:
                progress(n)
        sheet.autofilter(0, 0, max(n, 1), len(WIDTHS) - 1)
    finally:
        workbook.close()
    return n
