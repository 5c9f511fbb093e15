"""``flask transfers apply-effective [--date YYYY-MM-DD]``: carry out the exits whose effective date has come
(the daily job, for a system cron or by hand). Running it twice does nothing more the second time."""

import re
from datetime import date

import click
from flask.cli import AppGroup

__all__ = ["transfers_cli"]

transfers_cli = AppGroup("transfers", help="Điều động, thôi công tác: thực hiện các quyết định đến ngày hiệu lực.")

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@transfers_cli.command("apply-effective")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="Chạy như vào ngày này (mặc định: hôm nay).")
def apply_effective_command(day: str | None) -> None:
    """Archive the files and lock the accounts of the exits effective on or before the day."""
    from jobs.transfers import apply_effective_moves

    when = None
    if day is not None:
        try:
            if not _ISO_DAY.match(day):
                raise ValueError
            when = date.fromisoformat(day)
        except ValueError:
            click.echo(f"Lỗi: ngày «{day}» không hợp lệ (định dạng YYYY-MM-DD, ví dụ 2026-02-12).", err=True)
            raise SystemExit(2) from None
    counts = apply_effective_moves(when)
    click.echo(f"Đã thực hiện: {counts['completed']}; lỗi (thử lại lần sau): {counts['failed']}")
