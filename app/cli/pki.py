"""``flask pki …`` (signers' certificates, the development CA) and ``flask verify-pdf FILE``.

- ``flask pki init-dev [--force] [--users a,b] [--limit N]``: DEVELOPMENT ONLY. A dev root CA, a timestamp
  authority and one PKCS#12 per account that signs (default: accounts holding an officer role, plus the demo
  staff ``annv.syt``), passphrase ``Demo@2026``, stored as the accounts' credentials. Idempotent: accounts with
  a usable credential are skipped; ``--force`` makes a new CA and reissues the dev certificates (a certificate a
  user uploaded is never replaced). At most ``--limit`` certificates per run (RSA keys take ~45 ms each), in
  batches of 200 per commit; run it again to continue. Refused when ``PKI_DEV_ALLOWED`` is false (the default
  once ``DATABASE_URL`` is set).
- ``flask pki import-p12 USERNAME FILE [--bind-anyway --reason "…"]``: check (passphrase, validity,
  nonRepudiation, revocation, the subject names the account: UID = username or the CCCD/CMND of the account's
  file) and store a PKCS#12, encrypted; the passphrase is prompted and never stored. ``--bind-anyway`` with a
  reason binds a certificate naming someone else, written to the change log and the access log.
- ``flask pki register-token USERNAME --module … --token … --key … --cert FILE [--bind-anyway --reason "…"]``: a
  key on a PKCS#11 token/HSM (the same check of the certificate's subject).
- ``flask pki list``, ``flask pki revoke USERNAME`` (credential blocked; dev certificates also go on the dev CRL).
- ``flask verify-pdf FILE``: one block per signature; exit 0 when every signature's bottom line is valid, 1 when
  any is not (or there is none), 2 when the file is not a readable PDF.
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from app.cli.common import fail
from app.services.errors import ServiceError

__all__ = ["pki_cli", "verify_pdf_command"]

pki_cli = AppGroup("pki", help="Chứng thư số của người ký: init-dev, import-p12, register-token, list, revoke.")


def _fail(exc: ServiceError, code: int = 1) -> None:
    fail(exc, prefix="LỖI: ", code=code)


def _account(username: str):
    from app.services.accounts.queries import account_by_username

    account = account_by_username(username)
    if account is None:
        click.echo(f"LỖI: không có tài khoản {username}.", err=True)
        raise SystemExit(1)
    return account


@pki_cli.command("init-dev")
@click.option("--force", is_flag=True, help="Make a new dev CA and reissue every dev certificate.")
@click.option("--users", default=None, help="Comma-separated usernames (default: officers + annv.syt).")
@click.option("--limit", type=int, default=500, show_default=True,
              help="Issue at most this many certificates per run (run again to continue).")
def init_dev_command(force: bool, users: str | None, limit: int) -> None:
    """DEVELOPMENT ONLY: dev CA, dev TSA and demo certificates (passphrase Demo@2026)."""
    from app import pki
    from app.signing import dev

    click.echo("CẢNH BÁO: CA phát triển — chỉ dùng cho phát triển và thử nghiệm, KHÔNG dùng cho dữ liệu thật. "
               f"Khóa của CA nằm không mã hóa trong {pki.pki_dir()}; mật khẩu mọi tệp .p12 là "
               f"{pki.DEV_PASSPHRASE}.", err=True)
    if not current_app.config.get("PKI_DEV_ALLOWED"):
        click.echo("LỖI: PKI_DEV_ALLOWED đang tắt (môi trường có DATABASE_URL được coi là vận hành thật). "
                   "Đặt PKI_DEV_ALLOWED=1 nếu đây thực sự là môi trường thử nghiệm.", err=True)
        raise SystemExit(1)
    existed = pki.load_dev_ca() is not None
    ca = pki.create_dev_ca(force=force)
    click.echo(f"CA phát triển: {'tạo mới' if force or not existed else 'đã có'} ({ca.directory})")
    names = [u.strip() for u in users.split(",") if u.strip()] if users else None
    done = dev.issue_dev_credentials(ca, names, force=force, limit=limit,
                                     progress=lambda n: click.echo(f"  … {n} chứng thư số đã cấp"))
    created, skipped, more = done.created, done.skipped, done.more
    for username in done.missing:
        click.echo(f"LỖI: không có tài khoản {username} (hoặc tài khoản bị khóa).", err=True)
    root_fp = pki.cert_info(ca.root_cert)["fingerprint"]
    click.echo(f"Chứng thư số: {created} cấp mới, {skipped} đã có. Mật khẩu (chỉ môi trường phát triển): "
               f"{pki.DEV_PASSPHRASE}. Gốc tin cậy: {ca.directory / pki.ROOT_FILE} (SHA-256 {root_fp[:16]}…)")
    if more:
        click.echo(f"Đã đạt giới hạn --limit {limit}; chạy lại lệnh để cấp tiếp cho các tài khoản còn lại.")


def _bind_options(command):
    """``--bind-anyway --reason "…"``: an administrator binds a certificate whose subject does not name the
    account (written to the change log and the access log with who, what and why)."""
    command = click.option("--reason", "bind_reason", default=None,
                           help="Why the certificate is bound anyway (required with --bind-anyway).")(command)
    return click.option("--bind-anyway", is_flag=True,
                        help="Bind even though the certificate's subject (UID, CCCD/CMND) does not name "
                             "the account; needs --reason.")(command)


def _bind_reason(bind_anyway: bool, bind_reason: str | None) -> str | None:
    if not bind_anyway:
        return None
    if not (bind_reason or "").strip():
        click.echo("LỖI: --bind-anyway cần --reason \"…\" (lý do, văn bản đề nghị) để ghi vào nhật ký.", err=True)
        raise SystemExit(1)
    return bind_reason


def _bound_note(cred, account) -> None:
    from cryptography import x509

    from app import signing

    if not signing.holder_match(account, x509.load_der_x509_certificate(cred.certificate)):
        click.echo(f"CẢNH BÁO: chứng thư số không ghi tên tài khoản {account.username}; đã gắn theo quyết định "
                   "của quản trị và ghi vào nhật ký.")


@pki_cli.command("import-p12")
@click.argument("username")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--passphrase", prompt="Mật khẩu của tệp PKCS#12", hide_input=True,
              help="Prompted when omitted (never put it on a shared command line).")
@_bind_options
def import_p12_command(username: str, file: str, passphrase: str, bind_anyway: bool, bind_reason: str | None) -> None:
    """Store USERNAME's PKCS#12 FILE (checked, encrypted), replacing the previous credential. The certificate's
    subject must name the account (UID = username, or the CCCD/CMND of the account's file) unless
    --bind-anyway --reason "…" is given."""
    from app import signing

    why = _bind_reason(bind_anyway, bind_reason)
    account = _account(username)
    with open(file, "rb") as fh:
        data = fh.read()
    try:
        cred = signing.store_pkcs12(account, data, passphrase, label=file.rsplit("/", 1)[-1], bind_reason=why)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"Đã lưu chứng thư số của {username}: {cred.subject} (số hiệu {cred.serial}, "
               f"hiệu lực đến {cred.not_after:%d/%m/%Y}).")
    _bound_note(cred, account)


@pki_cli.command("register-token")
@click.argument("username")
@click.option("--module", required=True, help="PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so")
@click.option("--token", "token_label", required=True, help="Token label")
@click.option("--key", "key_label", required=True, help="Label of the signing key on the token")
@click.option("--cert", "cert_file", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The key's certificate (PEM or DER)")
@_bind_options
def register_token_command(username, module, token_label, key_label, cert_file, bind_anyway, bind_reason) -> None:
    """Make a key on a PKCS#11 token/HSM USERNAME's credential (the PIN is asked at signing time); the
    certificate must name the account unless --bind-anyway --reason "…" is given."""
    from app import signing

    why = _bind_reason(bind_anyway, bind_reason)
    account = _account(username)
    with open(cert_file, "rb") as fh:
        cert = fh.read()
    try:
        cred = signing.register_pkcs11(account, module, token_label, key_label, cert, bind_reason=why)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"Đã đăng ký thiết bị ký số cho {username}: {cred.subject} (token {token_label}, khóa {key_label}).")
    _bound_note(cred, account)


@pki_cli.command("list")
@click.option("--user", "username", default=None, help="Only this account.")
@click.option("--limit", type=int, default=200, show_default=True)
def list_command(username: str | None, limit: int) -> None:
    """Active credentials: account, kind, certificate, validity, status."""
    from app import pki, signing

    rows = signing.list_credentials(username, limit)
    if not rows:
        click.echo("Chưa có chứng thư số nào.")
    for cred, user in rows:
        code, problems = signing.credential_status(cred)
        status = "hợp lệ" if code == "ok" else "; ".join(problems)
        click.echo(f"{user:<24} {cred.kind:<7} {pki.cert_info(cred.certificate)['common_name']:<30} "
                   f"{cred.serial[:16]:<16} đến {cred.not_after:%d/%m/%Y}  {status}")


@pki_cli.command("revoke")
@click.argument("username")
def revoke_command(username: str) -> None:
    """Revoke USERNAME's certificate: blocked here at once; a dev-CA certificate also goes on the dev CRL."""
    from app import signing
    from app.signing import dev

    account = _account(username)
    try:
        cred = signing.revoke_credential(account)
    except ServiceError as exc:
        _fail(exc)
    if dev.revoke_on_dev_crl(cred):
        click.echo(f"Đã thu hồi chứng thư số {cred.serial} của {username} và đưa vào CRL phát triển.")
    else:
        click.echo(f"Đã khóa chứng thư số {cred.serial} của {username} trong hệ thống; hãy yêu cầu tổ chức cấp "
                   "chứng thư thu hồi và cập nhật CRL (PKI_CRLS).")


def _yes(value: bool | None) -> str:
    return {True: "có", False: "KHÔNG", None: "không rõ"}[value]


@click.command("verify-pdf")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def verify_pdf_command(file: str) -> None:
    """Validate every signature of FILE; exit 1 when any is not valid (or there is none), 2 if not a PDF."""
    import logging

    from app import pki
    from app.signing import verify_pdf

    logging.getLogger("pyhanko").setLevel(logging.ERROR)  # its tracebacks repeat what the report says
    with open(file, "rb") as fh:
        data = fh.read()
    try:
        reports = verify_pdf(data)
    except ServiceError as exc:
        _fail(exc, code=2)
    if not reports:
        click.echo("Tệp không có chữ ký số nào.")
        sys.exit(1)
    for no, r in enumerate(reports, 1):
        kind = "dấu thời gian tài liệu" if r.kind == "timestamp" else (
            f"chữ ký chứng nhận, cho phép {r.permission}" if r.certify else "chữ ký phê duyệt")
        click.echo(f"Chữ ký {no}: ô {r.field} ({kind})")
        click.echo(f"  Người ký:            {r.signer}")
        click.echo(f"  Thời điểm ký:        {pki.format_time(r.signing_time) or '-'} (theo máy người ký)")
        click.echo(f"  Dấu thời gian:       {pki.format_time(r.timestamp_time) or '-'} "
                   f"(hợp lệ: {_yes(r.timestamp_ok)})")
        click.echo(f"  Chuỗi chứng thư:     {' → '.join(r.chain) or '-'}")
        click.echo(f"  Toàn vẹn: {_yes(r.intact)} · Hợp lệ mật mã: {_yes(r.valid)} · Tin cậy: {_yes(r.trusted)}"
                   f"{' · ĐÃ BỊ THU HỒI' if r.revoked else ''}")
        click.echo(f"  Thay đổi sau khi ký: {r.modification_label}")
        click.echo(f"  Kết luận:            {'HỢP LỆ' if r.bottom_line else 'KHÔNG HỢP LỆ'} — {r.summary}")
    sys.exit(0 if all(r.bottom_line for r in reports) else 1)
