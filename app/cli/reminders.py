"""``flask reminders run [--date YYYY-MM-DD] [--no-email]``: the daily reminders, for a system cron or by hand.

Prints the number of new notifications per kind and of e-mails sent; a bad date exits with status 2.
Running it twice on the same day adds and sends nothing the second time.
"""

import click
from flask.cli import AppGroup

from app.cli.common import iso_day

__all__ = ["reminders_cli"]

reminders_cli = AppGroup("reminders", help="Nhắc việc: hạn cấp tài khoản, khai hồ sơ, phê duyệt (thông báo, thư).")

_LABELS = {
    "account_missing": "Chưa cấp tài khoản (HCM-7.1)",
    "first_entry_missing": "Chưa khai hồ sơ lần đầu (HCM-7.2)",
    "approval_due": "Sắp đến hạn xử lý",
    "approval_overdue": "Quá hạn xử lý",
    "window_open": "Kỳ phê duyệt hằng tháng (HN-7)",
    "update_due": "Sắp đến hạn gửi cập nhật hồ sơ",
    "update_overdue": "Quá hạn gửi cập nhật hồ sơ",
    "quality_report_due": "Báo cáo chất lượng dữ liệu sắp đến hạn (HN-21.6)",
    "quality_report_overdue": "Báo cáo chất lượng dữ liệu quá hạn (HN-21.6)",
    "transfer_due": "Điều động sắp đến hạn",
    "transfer_overdue": "Điều động quá hạn",
    "emails_sent": "Thư đã gửi",
    "emails_failed": "Thư gửi lỗi (gửi lại lần sau)",
}


@reminders_cli.command("run")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="Chạy như vào ngày này (mặc định: hôm nay).")
@click.option("--no-email", is_flag=True, help="Chỉ ghi thông báo, không gửi thư.")
def run_command(day: str | None, no_email: bool) -> None:
    """Find near and past deadlines and notify the people responsible."""
    from jobs.reminders import run_reminders

    when = iso_day(day)
    counts = run_reminders(when, send_email=not no_email)
    for key, value in counts.items():
        click.echo(f"{_LABELS.get(key, key)}: {value}")
