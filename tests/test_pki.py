"""Certificates (issue 7): `flask pki init-dev / import-p12 / list / revoke`, `flask verify-pdf`, the dev CA's
certificates, and secrets kept out of the database, the logs and the change log. Rules: HCM-3.4, HN-8.4."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID
from sqlalchemy import select, text

from app import pki
from app.services.errors import ValidationError
from app.signing import (
    FIELD_PERSON,
    FIELD_REVIEWER,
    active_credential,
    add_signature_fields,
    load_signer,
    sign_pdf,
    store_pkcs12,
    verify_pdf,
)
from app.signing.credentials import Signer
from models.accounts import Account
from models.audit import ChangeLog
from models.signing import SigningCredential
from tests.fixtures.signing import PASSPHRASE, build_dev_pki, make_pdf, tamper

DEMO_SIGNERS = {"sonoivu.admin", "sonoivu.chuyenvien", "sonoivu.giamdoc", "syt.quantri", "syt.tccb",
                "syt.thutruong", "xem.baocao", "annv.syt"}


@pytest.fixture()
def pki_dir(app, tmp_path):
    """A fresh, empty PKI_DIR for one test."""
    old = app.config["PKI_DIR"]
    app.config["PKI_DIR"] = str(tmp_path / "pki")
    yield tmp_path / "pki"
    app.config["PKI_DIR"] = old


def account(db, username) -> Account:
    return db.session.scalar(select(Account).where(Account.username == username))


def cli(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=list(args), **kwargs)


def signed_by(acc, passphrase=PASSPHRASE) -> bytes:
    pdf = add_signature_fields(make_pdf(1), {FIELD_PERSON: (0, (40, 60, 200, 120)),
                                             FIELD_REVIEWER: (0, (220, 60, 380, 120))})
    with load_signer(acc, passphrase) as signer:
        return sign_pdf(pdf, field=FIELD_PERSON, signer=signer, reason="Cam đoan", certify=True)


def test_init_dev_makes_a_ca_a_tsa_and_demo_certificates_once(app, demo, pki_dir):
    """`flask pki init-dev`: dev root, TSA with a critical timeStamping EKU, a nonRepudiation certificate per
    officer + the demo staff, PKCS#12 under Demo@2026; run again, it changes nothing; the demo signs."""
    first = cli(app, "pki", "init-dev")
    assert first.exit_code == 0, first.output
    assert "CẢNH BÁO" in first.output and "8 cấp mới, 0 đã có" in first.output
    root = x509.load_pem_x509_certificate((pki_dir / "dev-root.pem").read_bytes())
    tsa = x509.load_pem_x509_certificate((pki_dir / "dev-tsa.pem").read_bytes())
    assert pki.common_name(root.subject) == pki.DEV_ROOT_CN
    eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert (pki_dir / "dev-root.key.pem").stat().st_mode & 0o077 == 0

    creds = demo.session.execute(select(Account.username, SigningCredential).join(
        SigningCredential, SigningCredential.account_id == Account.id)).all()
    assert {username for username, _ in creds} == DEMO_SIGNERS
    fingerprints = {}
    for username, cred in creds:
        cert = x509.load_der_x509_certificate(cred.certificate)
        assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.content_commitment
        assert cert.issuer == root.subject and cred.active and cred.kind == "pkcs12"
        key, p12_cert, _ = pkcs12.load_key_and_certificates(cred.pkcs12, PASSPHRASE.encode())
        assert p12_cert == cert
        fingerprints[username] = cred.fingerprint
    annv = next(c for u, c in creds if u == "annv.syt")
    assert "Nguyễn Văn An" in annv.subject

    again = cli(app, "pki", "init-dev")
    assert again.exit_code == 0 and "0 cấp mới, 8 đã có" in again.output
    demo.session.expire_all()
    assert {u: c.fingerprint for u, c in demo.session.execute(select(Account.username, SigningCredential).join(
        SigningCredential, SigningCredential.account_id == Account.id).where(SigningCredential.active))} == fingerprints
    (report,) = verify_pdf(signed_by(account(demo, "annv.syt")))
    assert report.bottom_line and report.signer == "Nguyễn Văn An"

    listed = cli(app, "pki", "list")
    assert listed.exit_code == 0 and listed.output.count("hợp lệ") == 8 and "annv.syt" in listed.output


def test_init_dev_force_and_users(app, demo, pki_dir):
    """`--users` limits the accounts; `--force` makes a new CA, and certificates of the old CA are reissued by
    the next run (they no longer chain to a trusted root)."""
    only = cli(app, "pki", "init-dev", "--users", "syt.tccb,khong.co")
    assert only.exit_code == 0 and "1 cấp mới" in only.output and "không có tài khoản khong.co" in only.output
    old_root = (pki_dir / "dev-root.pem").read_bytes()
    forced = cli(app, "pki", "init-dev", "--force", "--users", "annv.syt")
    assert forced.exit_code == 0 and (pki_dir / "dev-root.pem").read_bytes() != old_root
    rerun = cli(app, "pki", "init-dev", "--users", "syt.tccb,annv.syt")
    assert "1 cấp mới, 1 đã có" in rerun.output, rerun.output  # syt.tccb's came from the replaced CA


def test_init_dev_works_in_bounded_runs_and_keeps_uploaded_certificates(app, demo, pki_dir, tmp_path):
    """`--limit` bounds one run (thousands of accounts); the next run continues; a certificate the user uploaded
    is never replaced, even with `--force`."""
    own = build_dev_pki(tmp_path / "other-ca")["other"]
    viewer = account(demo, "xem.baocao")
    uploaded = store_pkcs12(viewer, own.p12, PASSPHRASE).fingerprint
    runs = [cli(app, "pki", "init-dev", "--limit", "3").output for _ in range(3)]
    assert "3 cấp mới, 1 đã có" in runs[0] and "Đã đạt giới hạn --limit 3" in runs[0], runs[0]
    assert "3 cấp mới, 4 đã có" in runs[1] and "Đã đạt giới hạn" in runs[1], runs[1]
    assert "1 cấp mới, 7 đã có" in runs[2] and "Đã đạt giới hạn" not in runs[2]
    forced = cli(app, "pki", "init-dev", "--force")
    assert "7 cấp mới, 1 đã có" in forced.output, forced.output
    demo.session.expire_all()
    assert active_credential(viewer).fingerprint == uploaded


def test_init_dev_is_refused_outside_development(app, demo, pki_dir):
    """A production-like setting (PKI_DEV_ALLOWED false) refuses the dev CA, loudly, and creates nothing."""
    app.config["PKI_DEV_ALLOWED"] = False
    try:
        result = cli(app, "pki", "init-dev")
    finally:
        app.config["PKI_DEV_ALLOWED"] = True
    assert result.exit_code == 1 and "PKI_DEV_ALLOWED" in result.output and "CẢNH BÁO" in result.output
    assert not pki_dir.exists()
    assert demo.session.scalar(select(SigningCredential.id)) is None


def test_revoke_blocks_signing_and_marks_earlier_signatures(app, demo, pki_dir):
    """HCM-3.4: `flask pki revoke` puts a dev certificate on the dev CRL and blocks the credential; loading
    the signer is refused in Vietnamese, and validation then reports the certificate revoked."""
    assert cli(app, "pki", "init-dev", "--users", "syt.tccb").exit_code == 0
    officer = account(demo, "syt.tccb")
    signed = signed_by(officer)
    assert verify_pdf(signed)[0].bottom_line
    serial = active_credential(officer).serial
    result = cli(app, "pki", "revoke", "syt.tccb")
    assert result.exit_code == 0 and "CRL" in result.output, result.output
    crl = x509.load_pem_x509_crl((pki_dir / "dev-root.crl.pem").read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(int(serial, 16)) is not None
    demo.session.expire_all()
    assert active_credential(officer).revoked_at is not None
    with pytest.raises(ValidationError) as exc:
        load_signer(officer, PASSPHRASE)
    assert "đã bị thu hồi" in " ".join(exc.value.messages)
    (report,) = verify_pdf(signed)
    assert report.revoked and not report.bottom_line and "thu hồi" in report.summary
    assert cli(app, "pki", "revoke", "annv.syt").exit_code == 1  # no certificate: an error, not a crash


def test_import_p12_checks_the_passphrase(app, demo, pki_dir, tmp_path):
    """`flask pki import-p12`: the passphrase is prompted and checked; a wrong one stores nothing."""
    dev = build_dev_pki(pki_dir)
    path = tmp_path / "binh.p12"
    path.write_bytes(dev["other"].p12)
    wrong = cli(app, "pki", "import-p12", "xem.baocao", str(path), input="sai\n")
    assert wrong.exit_code == 1 and "Mật khẩu của chứng thư số không đúng." in wrong.output
    assert active_credential(account(demo, "xem.baocao")) is None
    right = cli(app, "pki", "import-p12", "xem.baocao", str(path), input=f"{PASSPHRASE}\n")
    assert right.exit_code == 0 and "Trần Thị Bình" in right.output, right.output
    assert "Trần Thị Bình" in cli(app, "pki", "list", "--user", "xem.baocao").output
    assert cli(app, "pki", "import-p12", "khong.co", str(path), input="x\n").exit_code == 1


def test_verify_pdf_command_exit_codes(app, demo, pki_dir, tmp_path):
    """`flask verify-pdf FILE`: a block per signature; exit 0 valid, 1 invalid or unsigned, 2 not a PDF."""
    assert cli(app, "pki", "init-dev", "--users", "annv.syt").exit_code == 0
    signed = signed_by(account(demo, "annv.syt"))
    files = {"ok.pdf": signed, "changed.pdf": tamper(signed), "plain.pdf": make_pdf(1), "junk.pdf": b"hello"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    ok = cli(app, "verify-pdf", str(tmp_path / "ok.pdf"))
    assert ok.exit_code == 0, ok.output
    assert "Người ký:            Nguyễn Văn An" in ok.output and "HỢP LỆ" in ok.output
    assert f"Nguyễn Văn An → {pki.DEV_ROOT_CN}" in ok.output and "chữ ký chứng nhận" in ok.output
    changed = cli(app, "verify-pdf", str(tmp_path / "changed.pdf"))
    assert changed.exit_code == 1 and "KHÔNG HỢP LỆ" in changed.output
    assert "Nội dung đã bị sửa đổi sau khi ký" in changed.output
    plain = cli(app, "verify-pdf", str(tmp_path / "plain.pdf"))
    assert plain.exit_code == 1 and "không có chữ ký số" in plain.output
    junk = cli(app, "verify-pdf", str(tmp_path / "junk.pdf"))
    assert junk.exit_code == 2 and "Tệp không phải PDF." in junk.output


def test_secrets_stay_out_of_the_database_logs_and_reprs(app, demo, pki_dir):
    """The PKCS#12 is stored encrypted (AES-GCM blob, not the file), its passphrase nowhere; the change log
    holds neither; reprs show no key material."""
    dev = build_dev_pki(pki_dir)
    annv = account(demo, "annv.syt")
    cred = store_pkcs12(annv, dev["person"].p12, PASSPHRASE)
    raw = demo.session.execute(text("SELECT pkcs12 FROM signing_credential WHERE id = :i"), {"i": cred.id}).scalar()
    raw = bytes(raw)
    assert raw[:1] == b"\x01" and dev["person"].p12 not in raw and PASSPHRASE.encode() not in raw
    dump = demo.session.execute(text("SELECT t::text FROM signing_credential t")).scalar()
    assert PASSPHRASE not in dump
    logs = demo.session.scalars(select(ChangeLog).where(ChangeLog.object_type == "SigningCredential")).all()
    assert logs and all("pkcs12" not in (row.after or {}) and "certificate" not in (row.after or {}) for row in logs)
    assert all(PASSPHRASE not in str(row.after) for row in logs)
    with load_signer(annv, PASSPHRASE) as signer:
        assert isinstance(signer, Signer) and "Nguyễn Văn An" in repr(signer) and "PRIVATE" not in repr(signer)
    assert "pkcs12" in repr(cred) and dev["person"].p12[:16].hex() not in repr(cred)
