"""``flask export-syll``: one person's Sơ yếu lý lịch as a PDF file, from an approved version (optionally signed).

The operator reads in full (restricted-access level 3); the export is in the access log with the version.
``--sign-as USERNAME`` adds the empty signature fields and signs one of them with that account's certificate
(``app/signing.py``, imported only then).
"""

from __future__ import annotations

import sys

import click
from flask_babel import gettext as _
from sqlalchemy import select

__all__ = ["export_syll_command"]


def _fail(message: str) -> None:
    click.echo(message, err=True)
    raise SystemExit(1)


def _sign(pdf, account, person, field_name: str | None, passphrase: str | None, version_no: int) -> tuple[bytes, str]:
    """Add the empty signature fields, then sign one as ``account`` (own file: "NguoiKhai", else "CanBoTCCB")."""
    from app import signing
    from app.services.errors import ServiceError

    field_name = field_name or (signing.FIELD_PERSON if person.account_id == account.id else signing.FIELD_REVIEWER)
    try:
        data = signing.add_signature_fields(pdf.data, pdf.signature_boxes)
        with signing.load_signer(account, passphrase) as signer:
            # The person's signature is the document's first: a certification that still allows the others.
            data = signing.sign_pdf(data, field=field_name, signer=signer, certify=field_name == signing.FIELD_PERSON,
                                    reason=_("Ký sơ yếu lý lịch, phiên bản %(no)s", no=version_no))
    except ServiceError as exc:
        _fail("; ".join(exc.messages))
    return data, field_name


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
    from app import audit
    from app.extensions import db
    from app.pdf.syll import SIGNATURE_FIELDS, render_syll
    from app.services.personnel.queries import get_version
    from models.accounts import Account
    from models.personnel import Person

    if field_name is not None and field_name not in SIGNATURE_FIELDS:
        _fail(_("Ô chữ ký “%(name)s” không có; chọn một trong: %(names)s.", name=field_name,
                names=", ".join(SIGNATURE_FIELDS)))
    person = db.session.get(Person, person_id)
    if person is None:
        _fail(_("Không tìm thấy hồ sơ số %(id)s.", id=person_id))
    no = version_no if version_no is not None else person.version_no
    version = get_version(person.id, no) if no else None
    if version is None:
        _fail(_("Hồ sơ số %(id)s không có phiên bản đã duyệt %(no)s để in.", id=person_id, no=no or ""))
    account = None
    if sign_as:
        account = db.session.scalar(select(Account).where(Account.username == sign_as))
        if account is None:
            _fail(_("Không tìm thấy tài khoản “%(name)s”.", name=sign_as))
        if passphrase is None and sys.stdin.isatty():
            passphrase = click.prompt(_("Mật khẩu khóa bí mật (để trống nếu không có)"), hide_input=True,
                                      default="", show_default=False) or None
    pdf = render_syll(version, reader_level=3)
    data, signed = pdf.data, None
    if account is not None:
        data, signed = _sign(pdf, account, person, field_name, passphrase, version.version_no)
    with open(out, "wb") as fh:
        fh.write(data)
    audit.log_access("export_syll", user=account, object_type="Person", object_id=person.id,
                     org_unit_id=person.org_unit_id,
                     detail={"version_no": version.version_no, "file": out, "signed_field": signed, "via": "cli"})
    click.echo(_("Đã ghi %(file)s: %(pages)s trang, phiên bản %(no)s.", file=out, pages=pdf.page_count,
                 no=version.version_no))
