"""``flask jobs reconcile``: fail or re-queue background job rows whose worker is gone (for a system cron, by hand).

The same as the periodic job of ``jobs/schedule.py`` (``jobs.reconcile.reconcile``); useful when Redis — and with
it RQ's cron scheduler — is down, e.g. ``*/5 * * * * cd /srv/cbccvc && .venv/bin/flask jobs reconcile``.
"""

import click
from flask.cli import AppGroup

__all__ = ["jobs_cli"]

jobs_cli = AppGroup("jobs", help="Việc nền: đối soát các việc bị treo, mất hàng đợi hoặc hết hạn.")

_LABELS = {
    "requeued": "Xếp hàng chạy lại",
    "failed": "Đánh dấu lỗi",
    "expired_exports": "Bản xuất hết hạn (đã xóa tệp)",
    "expired_bulk": "Xử lý hàng loạt quá hạn chờ (đã xóa mật khẩu)",
}


@jobs_cli.command("reconcile")
def reconcile_command() -> None:
    """Re-queue or fail stale and lost job rows, expire old export files; prints the counts."""
    from jobs.reconcile import reconcile

    for key, value in reconcile().items():
        click.echo(f"{_LABELS.get(key, key)}: {value}")
