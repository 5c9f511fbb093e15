"""``flask transfers apply-effective [--date YYYY-MM-DD]``: carry out the exits whose effective date has come
(the daily job, for a system cron or by hand). Running it twice does nothing more the second time."""

import click
from flask.cli import AppGroup

from app.cli.common import iso_day

__all__ = ["transfers_cli"]

transfers_cli = AppGroup("transfers", help="Điều động, thôi công tác: thực hiện các quyết định đến ngày hiệu lực.")


@transfers_cli.command("apply-effective")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="Chạy như vào ngày này (mặc định: hôm nay).")
def apply_effective_command(day: str | None) -> None:
    """Archive the files and lock the accounts of the exits effective on or before the day."""
    from jobs.transfers import apply_effective_moves

    when = iso_day(day)
    counts = apply_effective_moves(when)
    click.echo(f"Đã thực hiện: {counts['completed']}; lỗi (thử lại lần sau): {counts['failed']}")
