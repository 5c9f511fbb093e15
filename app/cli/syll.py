"""``flask export-syll``: one person's Sơ yếu lý lịch as a PDF file, from an approved version (optionally signed).

The operator reads in full (restricted-access level 3); the export is in the access log with the version.
``--sign-as USERNAME`` adds the empty signature fields and signs one of them with that account's certificate
(``app/services/exports.py`` ``write_syll_file``; ``app/signing`` is imported only then).
"""

from __future__ import annotations

import sys

import click
from flask_babel import gettext as _

__all__ = ["export_syll_command"]


def _fail(message: str) -> None:
    click.echo(message, err=True)
    raise SystemExit(1)


@click.command("export-syll")
@click.argument("person_id", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Tệp PDF cần ghi.")
@click.option("--version", "version_no", type=int, default=None, help="Số phiên bản (mặc định: phiên bản mới nhất).")
@click.option("--sign-as", "sign_as", default=None, help="Ký bằng chứng thư số của tài khoản này.")
@click.option("--field", "field_name", default=None,
              help="Ô chữ ký: NguoiKhai, CanBoTCCB, ThuTruong hoặc DauCoQuan (mặc định: NguoiKhai cho hồ sơ "
                   "của chính tài khoản, CanBoTCCB cho người khác).")
@click.option("--passphrase", default=None, help="Mật khẩu khóa bí mật (hỏi khi chạy tương tác nếu không nhập).")
def export_syll_command(person_id: int, out: str, version_no: int | None, sign_as: str | None,
                        field_name: str | None, passphrase: str | None) -> None:
    """Write the SYLL of PERSON_ID (its latest or given approved version) to --out as a PDF."""
    from app.pdf.syll import SIGNATURE_FIELDS
    from app.services import exports
    from app.services.accounts.queries import account_by_username
    from app.services.errors import ServiceError

    if field_name is not None and field_name not in SIGNATURE_FIELDS:
        _fail(_("Ô chữ ký “%(name)s” không có; chọn một trong: %(names)s.", name=field_name,
                names=", ".join(SIGNATURE_FIELDS)))
    try:
        person, version = exports.syll_version(person_id, version_no)
    except ServiceError as exc:
        _fail(exc.messages[0])
    account = None
    if sign_as:
        account = account_by_username(sign_as)
        if account is None:
            _fail(_("Không tìm thấy tài khoản “%(name)s”.", name=sign_as))
        if passphrase is None and sys.stdin.isatty():
            passphrase = click.prompt(_("Mật khẩu khóa bí mật (để trống nếu không có)"), hide_input=True,
                                      default="", show_default=False) or None
    try:
        pages, _signed = exports.write_syll_file(person, version, out, signer=account, field_name=field_name,
                                                 passphrase=passphrase)
    except ServiceError as exc:
        _fail("; ".join(exc.messages))
    click.echo(_("Đã ghi %(file)s: %(pages)s trang, phiên bản %(no)s.", file=out, pages=pages,
                 no=version.version_no))
