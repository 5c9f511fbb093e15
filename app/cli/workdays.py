"""``flask workdays …``: deadlines in working days, counts, a year's calendar, and the admin overrides.

Dates are written YYYY-MM-DD. A bad date or number prints a Vietnamese message and exits with status 2;
an override the service refuses exits with status 1 (as the other commands do).
"""

import re
from datetime import date

import click
from flask.cli import AppGroup

from app.cli.common import fail

__all__ = ["workdays_cli"]

workdays_cli = AppGroup("workdays", help="Ngày làm việc: tính hạn, đếm ngày, lịch năm, điều chỉnh ngày nghỉ/làm bù.")

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _bad(message: str) -> None:
    """Print an input error and exit with status 2."""
    click.echo(f"Lỗi: {message}", err=True)
    raise SystemExit(2)


def _day(value: str, name: str) -> date:
    """Parse a YYYY-MM-DD argument; a bad one exits with status 2."""
    try:
        if not _ISO_DAY.match(value or ""):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        _bad(f"{name} «{value}» không phải là ngày hợp lệ (định dạng YYYY-MM-DD, ví dụ 2026-02-12).")


def _number(value: str) -> int:
    """Parse N (an integer, negative to count backwards); a bad one exits with status 2."""
    try:
        return int(value)
    except ValueError:
        _bad(f"số ngày làm việc «{value}» không phải là số nguyên.")


def _fail(exc) -> None:
    """Print a service error and exit with status 1."""
    fail(exc, prefix="Lỗi: ")


@workdays_cli.command("due")
@click.argument("start", metavar="YYYY-MM-DD")
@click.argument("n", metavar="N")
def due_command(start: str, n: str) -> None:
    """Print the date N working days after START (START itself does not count)."""
    from app import workdays as wd

    day, count = _day(start, "Ngày bắt đầu"), _number(n)
    try:
        result = wd.add_workdays(day, count)
    except ValueError as exc:
        _bad(str(exc))
    click.echo(f"{result.isoformat()} ({wd.weekday_name(result)})")
    if count >= 0:
        click.echo(f"Ngày làm việc thứ {count} sau ngày {wd.format_day(day)} (không tính ngày {wd.format_day(day)}).")
    else:
        click.echo(f"Ngày làm việc thứ {-count} trước ngày {wd.format_day(day)}.")


@workdays_cli.command("count")
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
def count_command(a: str, b: str) -> None:
    """Print the number of working days after A up to B included."""
    from app import workdays as wd

    first, last = _day(a, "Ngày A"), _day(b, "Ngày B")
    try:
        total = wd.count_workdays(first, last)
    except ValueError as exc:
        _bad(str(exc))
    click.echo(str(total))
    click.echo(f"Số ngày làm việc từ sau ngày {wd.format_day(first)} đến hết ngày {wd.format_day(last)}"
               + (" (âm: B trước A)." if total < 0 else "."))


@workdays_cli.command("list")
@click.argument("year", metavar="YEAR")
def list_command(year: str) -> None:
    """Print the holidays, days off, make-up working days and overrides of YEAR."""
    from app import workdays as wd

    try:
        y = int(year)
        days = wd.year_days(y)
    except ValueError as exc:
        _bad(f"năm «{year}» không hợp lệ." if not year.strip().isdigit() else str(exc))
    for info in days:
        status = "làm việc" if info.working else "nghỉ"
        click.echo(f"{info.day.isoformat()}  {info.weekday:<9} {status:<9} {info.name}  [{info.source_label}]")
    total = wd.count_workdays(date(y - 1, 12, 31), date(y, 12, 31))
    click.echo(f"Năm {y}: {total} ngày làm việc.")


@workdays_cli.command("add-override")
@click.argument("day", metavar="YYYY-MM-DD")
@click.argument("kind", metavar="off|work")
@click.option("--reason", required=True, help="Lý do và văn bản thông báo (số, ngày).")
def add_override_command(day: str, kind: str, reason: str) -> None:
    """Make DAY a day off (off) or a working day (work), e.g. a late government notice."""
    from app import workdays as wd
    from app.services.errors import ServiceError

    when = _day(day, "Ngày")
    if kind not in ("off", "work"):
        _bad(f"loại điều chỉnh «{kind}» không hợp lệ: dùng off (ngày nghỉ) hoặc work (ngày làm việc).")
    try:
        row = wd.add_override(None, when, kind, reason)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"Đã thêm điều chỉnh: {row.day.isoformat()} ({wd.weekday_name(row.day)}) {row.kind_label}.")


@workdays_cli.command("remove-override")
@click.argument("day", metavar="YYYY-MM-DD")
def remove_override_command(day: str) -> None:
    """Delete the override of DAY (the day goes back to the package's calendar)."""
    from app import workdays as wd
    from app.services.errors import ServiceError

    when = _day(day, "Ngày")
    try:
        wd.remove_override(None, when)
    except ServiceError as exc:
        _fail(exc)
    info = wd.day_info(when)
    click.echo(f"Đã xóa điều chỉnh ngày {when.isoformat()}; nay là "
               f"{'ngày làm việc' if info.working else 'ngày nghỉ'}.")
