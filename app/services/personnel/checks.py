"""Pure value checks for the personnel file: CCCD numbers, partial dates, months and periods (no database).

Every check returns a list of translated Vietnamese messages (empty when all is well) so the caller can
report all problems at once; the parsers raise :class:`ValueError` with a translated message.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, datetime

from flask_babel import gettext as _

from app.seeds.dvhc import OLD_PROVINCES
from app.text import clean, search_key

__all__ = [
    "PRECISIONS",
    "age_on",
    "cccd_birth_digits",
    "cccd_mismatch_sql",
    "check_cccd",
    "check_dates_in_order",
    "check_period",
    "format_month",
    "format_partial_date",
    "normalize_cccd",
    "parse_month",
    "parse_partial_date",
]

#: Precision of a partial date: full date, month/year or year only.
PRECISIONS = ("day", "month", "year")
MIN_YEAR, MAX_YEAR = 1900, 2100  # "Từ–Đến" months of a work history
MIN_DATE_YEAR = 1800  # dates also cover the parents' birth years in "Quan hệ gia đình"

PartialDate = date | tuple[date | None, str | None] | None


# --------------------------------------------------------------------------- CCCD


def _cccd_text(number: str | None) -> str:
    """``number`` with the separators people type (spaces, dots, hyphens) removed; full-width digits folded."""
    text = unicodedata.normalize("NFKC", number or "")
    return "".join(ch for ch in text if not ch.isspace() and ch not in ".-")


def normalize_cccd(number: str | None) -> str:
    """The ASCII digits of ``number`` only ("001 080 012 345" -> "001080012345"); store this form."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", number or "") if "0" <= ch <= "9")


def _gender_label(value: str) -> str:
    return _("nam") if value == "nam" else _("nữ")


def check_cccd(
    number: str | None,
    birth_date: date | None,
    gender: str | None,
    legacy_ok: bool = False,
) -> list[str]:
    """Problems with a CCCD / số định danh cá nhân ``PPP G YY RRRRRR`` (domain.md §10); ``[]`` when fine.

    - Spaces, dots and hyphens are ignored; then 12 digits are required (an empty number is not
      checked: whether it is required is the caller's business).
    - With ``legacy_ok`` a 9-digit number is accepted as an old CMND, without cross-checks.
    - PPP must be "0" + one of the 63 pre-2025 province codes (existing cards keep them).
    - G (century and sex: 0/1 = 1900s male/female, 2/3 = 2000s, … even = male) must agree with
      ``gender`` ("nam"/"nu") when given, and with the century of ``birth_date`` when given.
    - YY must be the last two digits of the birth year when ``birth_date`` is given.
    A missing birth date or gender skips only the cross-checks that need it.
    """
    text = _cccd_text(number)
    if not text:
        return []
    if legacy_ok and len(text) == 9 and text.isascii() and text.isdigit():
        return []
    if len(text) != 12 or not (text.isascii() and text.isdigit()):
        return [_("Số CCCD phải gồm 12 chữ số.")]
    problems = []
    province, digit, yy = text[:3], int(text[3]), text[4:6]
    if province[0] != "0" or province[1:] not in OLD_PROVINCES:
        problems.append(_(
            "Ba chữ số đầu của số CCCD (%(code)s) không phải mã tỉnh, thành phố nơi đăng ký khai sinh.",
            code=province,
        ))
    coded_gender = "nam" if digit % 2 == 0 else "nu"
    declared = search_key(gender)
    if declared in ("nam", "nu") and declared != coded_gender:
        problems.append(_(
            "Chữ số thứ tư của số CCCD (%(digit)s) dành cho giới tính %(coded)s, khác với giới tính đã khai "
            "(%(gender)s).",
            digit=digit, coded=_gender_label(coded_gender), gender=_gender_label(declared),
        ))
    if birth_date is not None:
        year = birth_date.year
        start = 1900 + 100 * (digit // 2)
        if not start <= year < start + 100:
            problems.append(_(
                "Chữ số thứ tư của số CCCD (%(digit)s) dành cho người sinh trong các năm %(start)s–%(end)s, "
                "khác với năm sinh đã khai (%(year)s).",
                digit=digit, start=start, end=start + 99, year=year,
            ))
        if yy != "%02d" % (year % 100):
            problems.append(_(
                "Hai chữ số năm sinh trong số CCCD (%(coded)s) khác với năm sinh đã khai (%(year)s).",
                coded=yy, year=year,
            ))
    return problems


def cccd_birth_digits(number: str | None) -> str | None:
    """Digits 4–6 of a 12-digit CCCD (``G YY``: century and sex, the birth year's last two digits), or None.

    Kept in clear beside the encrypted number (``person.cccd_birth_digits``) so that :func:`cccd_mismatch_sql`
    can check files in SQL: for a consistent file they say nothing that the sex and birth year do not say."""
    text = _cccd_text(number)
    if len(text) != 12 or not (text.isascii() and text.isdigit()):
        return None
    return text[3:6]


def cccd_mismatch_sql(digits, birth_date, gender):
    """SQL form of the cross-checks of :func:`check_cccd`: true when the ``G YY`` digits (``digits``, a column
    holding :func:`cccd_birth_digits`) disagree with ``gender`` ("nam"/"nu": G even = male) or with the century
    or the last two digits of the year of ``birth_date``. A missing birth date or gender skips only the check that
    needs it, as in Python; files without a well-formed number are not flagged (NULL ``digits``)."""
    from sqlalchemy import Integer, and_, case, cast, extract, func, or_

    g = cast(func.substr(digits, 1, 1), Integer)
    yy = cast(func.substr(digits, 2, 2), Integer)
    year = cast(extract("year", birth_date), Integer)
    sex = case((g % 2 == 0, "nam"), else_="nu")
    # The century G names (0/1: 1900s, 2/3: 2000s …) without a division (portable integer arithmetic):
    # 50 × (G rounded down to even) = the birth year's century offset from 1900.
    century_ok = (g - g % 2) * 50 == (year - 1900) - (year - 1900) % 100
    return and_(digits.is_not(None), or_(
        and_(gender.in_(("nam", "nu")), gender != sex),
        and_(birth_date.is_not(None), or_(year < 1900, ~century_ok, yy != year % 100))))


# --------------------------------------------------------------------------- partial dates

_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_MY = re.compile(r"(\d{1,2})[/.-](\d{4})")
_YM = re.compile(r"(\d{4})-(\d{1,2})")
_Y = re.compile(r"(\d{4})")


def parse_partial_date(text: str | date | None) -> tuple[date | None, str | None]:
    """Parse a date that may be known only to the month or the year: ``(date, precision)``.

    Accepts "dd/mm/yyyy", "d/m/yyyy" (also with "." or "-"), "yyyy-mm-dd", "mm/yyyy", "yyyy-mm" and
    "yyyy"; a partial date is the first day of its month or year: "03/1980" -> (1980-03-01, "month").
    Empty -> ``(None, None)``; a :class:`date` passes through as ``(d, "day")``. Anything else, an
    impossible day (31/02) or a year outside 1800–2100 raises :class:`ValueError` with a Vietnamese
    message.
    """
    if isinstance(text, datetime):
        return text.date(), "day"
    if isinstance(text, date):
        return text, "day"
    value = clean(text)
    if not value:
        return None, None
    try:
        if m := _DMY.fullmatch(value):
            result, precision = date(int(m[3]), int(m[2]), int(m[1])), "day"
        elif m := _YMD.fullmatch(value):
            result, precision = date(int(m[1]), int(m[2]), int(m[3])), "day"
        elif m := _MY.fullmatch(value):
            result, precision = date(int(m[2]), int(m[1]), 1), "month"
        elif m := _YM.fullmatch(value):
            result, precision = date(int(m[1]), int(m[2]), 1), "month"
        elif m := _Y.fullmatch(value):
            result, precision = date(int(m[1]), 1, 1), "year"
        else:
            result = None
    except ValueError:
        result = None
    if result is None or not MIN_DATE_YEAR <= result.year <= MAX_YEAR:
        raise ValueError(_(
            "Ngày không hợp lệ: %(value)s. Nhập theo dạng ngày/tháng/năm, tháng/năm hoặc năm.", value=value
        ))
    return result, precision


def format_partial_date(d: date | None, precision: str | None = "day") -> str:
    """Show a partial date as entered: "05/03/1980", "03/1980" or "1980"; ``""`` for None."""
    if d is None:
        return ""
    if precision == "year":
        return "%04d" % d.year
    if precision == "month":
        return "%02d/%04d" % (d.month, d.year)
    return "%02d/%02d/%04d" % (d.day, d.month, d.year)


# --------------------------------------------------------------------------- months and periods


def parse_month(text: str | None) -> str | None:
    """Parse a "Từ–Đến (tháng/năm)" value into "YYYY-MM" or "YYYY"; ``None`` when empty.

    Accepts "mm/yyyy", "m/yyyy" (also with "." or "-"), "yyyy-mm" and "yyyy", years 1900–2100;
    anything else raises :class:`ValueError` with a Vietnamese message.
    """
    value = clean(text)
    if not value:
        return None
    year = month = None
    if m := _MY.fullmatch(value):
        year, month = int(m[2]), int(m[1])
    elif m := _YM.fullmatch(value):
        year, month = int(m[1]), int(m[2])
    elif m := _Y.fullmatch(value):
        year = int(m[1])
    if year is None or not MIN_YEAR <= year <= MAX_YEAR or (month is not None and not 1 <= month <= 12):
        raise ValueError(_(
            "Tháng không hợp lệ: %(value)s. Nhập theo dạng tháng/năm (ví dụ 03/2005) hoặc năm, từ %(min)s "
            "đến %(max)s.",
            value=value, min=MIN_YEAR, max=MAX_YEAR,
        ))
    return "%04d" % year if month is None else "%04d-%02d" % (year, month)


def format_month(value: str | None) -> str:
    """Show a canonical month: "2005-03" -> "03/2005", "2005" -> "2005", None -> "" (the caller prints "nay")."""
    if not value:
        return ""
    if len(value) == 7 and value[4] == "-":
        return "%s/%s" % (value[5:], value[:4])
    return value


def _month_or_none(value: str | None) -> str | None:
    try:
        return parse_month(value)
    except ValueError:
        return None  # reported by the parser where the value was entered


def check_period(start: str | None, end: str | None, label: str) -> list[str]:
    """``[message]`` when the period ``label`` starts after it ends, else ``[]``.

    ``start``/``end`` are canonical months ("2005-03", "2005") or user input ("03/2005"); a bare year
    is the whole year, so "2005" to "2005-03" is fine and "2006" to "2005-12" is not. An open end
    (None), a missing start or an unreadable value is not this check's problem.
    """
    s, e = _month_or_none(start), _month_or_none(end)
    if s is None or e is None:
        return []
    first = s if len(s) == 7 else s + "-01"
    last = e if len(e) == 7 else e + "-12"
    if first > last:
        return [_("%(label)s: thời gian bắt đầu sau thời gian kết thúc.", label=label)]
    return []


def _bounds(value: PartialDate) -> tuple[date, date, str] | None:
    """(first day, last day, display) of a date or a (date, precision) pair; None when unknown."""
    if isinstance(value, tuple):
        d, precision = value
    else:
        d, precision = value, "day"
    if d is None:
        return None
    if isinstance(d, datetime):
        d = d.date()
    if precision == "year":
        last = date(d.year, 12, 31)
    elif precision == "month":
        last = date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])
    else:
        last = d
    return d, last, format_partial_date(d, precision or "day")


def check_dates_in_order(pairs: list[tuple[str, PartialDate, str, PartialDate]]) -> list[str]:
    """Messages for each ``(label_a, a, label_b, b)`` where ``a`` is after ``b`` (equal is fine).

    E.g. ``[(_("Ngày sinh"), birth, _("Ngày tuyển dụng"), recruited), (_("Ngày tuyển dụng"), recruited,
    _("Ngày vào cơ quan"), joined)]``. A value may be a :class:`date` or a ``(date, precision)`` pair from
    :func:`parse_partial_date`; a partial date covers its whole month/year, so "1980" is not after
    05/03/1980. Missing values are skipped.
    """
    problems = []
    for label_a, a, label_b, b in pairs:
        first, second = _bounds(a), _bounds(b)
        if first is None or second is None:
            continue
        if first[0] > second[1]:
            problems.append(_(
                "%(first)s (%(first_date)s) không được sau %(second)s (%(second_date)s).",
                first=label_a, first_date=first[2], second=label_b, second_date=second[2],
            ))
    return problems


def age_on(birth: date, day: date) -> int:
    """Age in full years on ``day`` (someone born 29/02 turns a year older on 01/03 in common years)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
