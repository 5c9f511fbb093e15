"""Issue 13, item 4: a certificate belongs to its holder. A PKCS#12 (or a token's certificate) becomes an account's
signing credential only when its subject names the account — UID = username (dev CA, internal CA) or the
CCCD/CMND of the file linked to the account (a Vietnamese CA's "CCCD:…" UID) — or when an administrator binds
it on purpose, with a reason written to the change log and the access log. Rules: HCM-3.4, HN-8.4."""

import io

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from app import pki
from app.services.errors import ForbiddenError, ValidationError
from app.signing import active_credential, register_pkcs11, store_pkcs12
from models.audit import AccessLog, ChangeLog
from models.signing import SigningCredential
from tests.factories import account, login, person_for
from tests.fixtures.signing import PASSPHRASE

CCCD = "001080012345"



def p12_for(dev_pki, name, uid):
    cert, key = pki.issue_certificate(dev_pki.ca, name, uid=uid)
    return cert, pki.pkcs12_bytes(cert, key, [dev_pki.ca.root_cert], PASSPHRASE)


def events(db, name):
    db.session.expire_all()
    return list(db.session.scalars(select(AccessLog).where(AccessLog.event == name).order_by(AccessLog.id)))


def test_uploading_someone_elses_pkcs12_is_refused(client, demo, dev_pki):
    """HCM-3.4: on "Chứng thư số của tôi", annv.syt's PKCS#12 uploaded by the report viewer is refused in
    Vietnamese, nothing is stored and the attempt is logged; the viewer's own certificate is accepted."""
    login(client, "xem.baocao")
    refused = client.post("/signatures/my-certificate/upload", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(dev_pki["person"].p12), "an.p12"), "passphrase": PASSPHRASE})
    assert refused.status_code == 400
    assert "Chứng thư số này không phải của tài khoản xem.baocao" in refused.get_data(as_text=True)
    assert active_credential(account(demo, "xem.baocao")) is None
    assert demo.session.scalar(select(SigningCredential.id)) is None
    (logged,) = events(demo, "certificate_refused")
    assert logged.user_name == "xem.baocao" and logged.detail["fingerprint"] == pki.cert_info(
        dev_pki["person"].cert)["fingerprint"]
    done = client.post("/signatures/my-certificate/upload", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(dev_pki["other"].p12), "toi.p12"), "passphrase": PASSPHRASE})
    assert done.status_code == 302
    assert active_credential(account(demo, "xem.baocao")).fingerprint == pki.cert_info(
        dev_pki["other"].cert)["fingerprint"]


def test_cli_binds_a_foreign_certificate_only_with_the_admin_flag_and_a_reason(app, demo, dev_pki, tmp_path):
    """`flask pki import-p12` refuses a certificate naming another account; `--bind-anyway` needs `--reason`;
    with both it is stored, and the access log and the change log name who bound which certificate (subject,
    serial, fingerprint) to whom and why."""
    path = tmp_path / "binh.p12"
    path.write_bytes(dev_pki["other"].p12)
    runner = app.test_cli_runner()
    plain = runner.invoke(args=["pki", "import-p12", "annv.syt", str(path)], input=f"{PASSPHRASE}\n")
    assert plain.exit_code == 1 and "không phải của tài khoản annv.syt" in plain.output, plain.output
    no_reason = runner.invoke(args=["pki", "import-p12", "annv.syt", str(path), "--bind-anyway"],
                              input=f"{PASSPHRASE}\n")
    assert no_reason.exit_code == 1 and "--reason" in no_reason.output
    assert active_credential(account(demo, "annv.syt")) is None
    bound = runner.invoke(args=["pki", "import-p12", "annv.syt", str(path), "--bind-anyway", "--reason",
                                "Công văn 12/SYT: chứng thư cấp nhầm tên"], input=f"{PASSPHRASE}\n")
    assert bound.exit_code == 0 and "CẢNH BÁO" in bound.output, bound.output
    cred = active_credential(account(demo, "annv.syt"))
    info = pki.cert_info(dev_pki["other"].cert)
    assert cred.fingerprint == info["fingerprint"]
    (logged,) = events(demo, "certificate_bound")
    assert logged.user_name == "annv.syt" and logged.object_id == str(cred.id)
    assert {k: logged.detail[k] for k in ("account", "subject", "serial", "fingerprint", "reason")} == {
        "account": "annv.syt", "subject": info["subject"], "serial": info["serial"],
        "fingerprint": info["fingerprint"], "reason": "Công văn 12/SYT: chứng thư cấp nhầm tên"}
    assert logged.detail["by"].startswith("cli")
    change = demo.session.scalar(select(ChangeLog).where(ChangeLog.object_type == "SigningCredential",
                                                         ChangeLog.action == "insert"))
    assert "Công văn 12/SYT" in change.reason
    own = tmp_path / "an.p12"
    own.write_bytes(dev_pki["renewed"].p12)
    assert runner.invoke(args=["pki", "import-p12", "annv.syt", str(own)], input=f"{PASSPHRASE}\n").exit_code == 0


def test_a_cccd_in_the_subject_matches_the_accounts_file(app, demo, dev_pki, unit_by_name):
    """A Vietnamese CA writes the holder's identity number in the UID ("CCCD:…"): accepted when it is the CCCD
    of the file linked to the account (compared by blind index), refused for another number."""
    person_for(demo, unit_by_name("Khoa Cấp cứu"), username="annv.syt", cccd=CCCD)
    holder = account(demo, "annv.syt")
    cert, blob = p12_for(dev_pki, "NGUYỄN VĂN AN", f"CCCD:{CCCD}")
    assert store_pkcs12(holder, blob, PASSPHRASE).fingerprint == pki.cert_info(cert)["fingerprint"]
    _cert, other = p12_for(dev_pki, "NGUYỄN VĂN AN", "CCCD:001080099999")
    with pytest.raises(ValidationError):
        store_pkcs12(holder, other, PASSPHRASE)
    _cert, elsewhere = p12_for(dev_pki, "NGUYỄN VĂN AN", f"CCCD:{CCCD}")
    with pytest.raises(ValidationError):  # the same number names nobody for an account without that file
        store_pkcs12(account(demo, "xem.baocao"), elsewhere, PASSPHRASE)


def test_binding_in_the_service_needs_an_administrator_and_tokens_are_checked_too(app, demo, dev_pki, tmp_path):
    """Only the technical administrator (or the server's command line) may bind a foreign certificate; a
    PKCS#11 token's certificate is held to the same rule."""
    holder, agency_admin = account(demo, "annv.syt"), account(demo, "syt.quantri")
    with pytest.raises(ForbiddenError):
        store_pkcs12(holder, dev_pki["other"].p12, PASSPHRASE, actor=agency_admin, bind_reason="Nhờ ký hộ")
    assert active_credential(holder) is None
    cred = store_pkcs12(holder, dev_pki["other"].p12, PASSPHRASE, actor=account(demo, "sonoivu.admin"),
                        bind_reason="Quyết định 5/SNV")
    assert cred.active and events(demo, "certificate_bound")[0].detail["by"] == "sonoivu.admin"
    module = tmp_path / "libtoken.so"
    module.write_bytes(b"")
    der = dev_pki["person"].cert.public_bytes(serialization.Encoding.DER)
    with pytest.raises(ValidationError):
        register_pkcs11(account(demo, "xem.baocao"), str(module), "T", "k", der)
    assert register_pkcs11(holder, str(module), "T", "k", der).kind == "pkcs11"
