"""``flask backup …`` (issue 20; HN-11, HCM-10): encrypted backups, restore, verification, retention
(``app/services/backups``).

- ``new-key``: a fresh BACKUP_KEY;
- ``create``: one archive in ``BACKUP_DIR`` or the bucket (``BACKUP_STORAGE``), its path or ``s3://bucket/key``
  printed as the last line;
- ``restore ARCHIVE --into URL [--files DIR] [--pki DIR]``: into an empty PostgreSQL database;
- ARCHIVE (restore, verify, inspect): a path, or an ``s3://bucket/key`` URL read through the S3_* settings;
- ``verify [ARCHIVE]``: restore the latest backup (or ARCHIVE) into a scratch database and check it (exit 1 if not);
- ``inspect ARCHIVE``: authenticate the archive and print its manifest;
- ``prune [--date YYYY-MM-DD]``: delete what the retention rule lets go; ``list``: the backup log.
"""

import base64
import os

import click
from flask.cli import AppGroup

from app.cli.common import fail, iso_day
from app.services.errors import ServiceError

__all__ = ["backup_cli"]

backup_cli = AppGroup("backup", help="Sao lưu có mã hoá, khôi phục, kiểm tra khôi phục, thời hạn lưu giữ.")


@backup_cli.command("new-key")
def new_key_command() -> None:
    """Print a fresh random backup key (BACKUP_KEY; keep it apart from ENCRYPTION_KEYS and from the archives)."""
    click.echo(base64.b64encode(os.urandom(32)).decode())
    click.echo("")
    click.echo("Đặt vào BACKUP_KEY (khác mọi khoá của ENCRYPTION_KEYS). Khoá cũ chuyển sang BACKUP_OLD_KEYS để còn mở "
               "được các bản sao lưu đã tạo.")


@backup_cli.command("create")
def create_command() -> None:
    """Make one encrypted archive of the database, the attachment store and the signing material (in BACKUP_DIR
    or the bucket, per BACKUP_STORAGE); its path or s3:// URL is the last line."""
    from app.services import backups

    click.echo("Đang sao lưu …")
    try:
        row = backups.create_backup("command")
    except ServiceError as exc:
        fail(exc, "Lỗi: ")
    click.echo(f"Bảng: {row.tables}; dòng: {row.rows}; tệp: {row.files}; kích thước: {row.size} byte")
    click.echo(f"SHA-256: {row.sha256}")
    click.echo(backups.archive_path(row))


@backup_cli.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--into", "into", required=True, metavar="URL",
              help="Cơ sở dữ liệu PostgreSQL trống nhận bản khôi phục (postgresql://user@host:port/tên).")
@click.option("--files", "files_dir", metavar="DIR", help="Thư mục (trống) nhận kho tệp đính kèm (UPLOAD_FOLDER mới).")
@click.option("--pki", "pki_dir", metavar="DIR", help="Thư mục (trống) nhận tài liệu ký số (PKI_DIR mới).")
def restore_command(archive: str, into: str, files_dir: str | None, pki_dir: str | None) -> None:
    """Restore ARCHIVE into an empty database (and the files into empty directories), then compare every table."""
    from app.services import backups

    try:
        report = backups.restore_backup(archive, into, files_dir=files_dir, pki_dir=pki_dir)
    except ServiceError as exc:
        fail(exc, "Lỗi: ")
    click.echo(f"Đã khôi phục: {report.tables} bảng, {report.rows} dòng; tệp trong bản sao lưu: {report.files}, "
               f"đã ghi: {report.files_written}.")
    for problem in report.problems:
        click.echo(f"Sai lệch: {problem}", err=True)
    if not report.ok:
        raise SystemExit(1)
    click.echo("Mọi bảng khớp với bảng kê (số dòng và tổng kiểm tra).")


@backup_cli.command("verify")
@click.argument("archive", required=False, type=click.Path(dir_okay=False))
def verify_command(archive: str | None) -> None:
    """Restore the latest backup (or ARCHIVE) into a scratch database, check it against its manifest, drop it."""
    from app.services import backups

    try:
        row, report, message = backups.verify_backup(archive)
    except ServiceError as exc:
        fail(exc, "Lỗi: ")
    ok = report is not None and report.ok
    if row is not None:
        click.echo(f"Bản sao lưu số {row.id}: {backups.archive_path(row)}")
    if not ok:
        click.echo(f"KHÔNG ĐẠT: {message}", err=True)
        raise SystemExit(1)
    click.echo(f"ĐẠT: {message}")


@backup_cli.command("inspect")
@click.argument("archive", type=click.Path(dir_okay=False))
def inspect_command(archive: str) -> None:
    """Authenticate ARCHIVE in full and print its manifest (nothing is restored)."""
    from app.services import backups

    try:
        check = backups.inspect_archive(archive)
    except ServiceError as exc:
        fail(exc, "Lỗi: ")
    click.echo(backups.manifest_text(check.manifest))
    click.echo(f"SHA-256 của tệp: {check.sha256}; {check.size} byte; {check.files} tệp.")


@backup_cli.command("prune")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="Áp dụng như vào ngày này (mặc định: hôm nay).")
def prune_command(day: str | None) -> None:
    """Delete the archives the retention rule lets go (kept at least 3 months after a newer one; never the newest
    verified one)."""
    from app.services import backups

    pruned = backups.prune_backups(iso_day(day))
    for row in pruned:
        click.echo(f"Đã xoá: {backups.archive_path(row)}")
    click.echo(f"Đã xoá {len(pruned)} bản sao lưu theo thời hạn lưu giữ.")


@backup_cli.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=24, show_default=True)
def list_command(limit: int) -> None:
    """The newest backups: when, status, size, verification, where."""
    from app.extensions import db
    from app.services import backups

    for row in db.session.scalars(backups.list_backups().limit(limit)):
        verified = {None: "chưa kiểm tra", True: "đạt", False: "không đạt"}[row.verified_ok]
        deleted = " (đã xoá)" if row.deleted_at else ""
        click.echo(f"{row.id}\t{row.created_at:%Y-%m-%d %H:%M}\t{row.status}\t{row.size or 0}\t{verified}\t"
                   f"{backups.archive_path(row)}{deleted}")
