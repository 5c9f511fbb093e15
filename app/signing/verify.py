"""Validating the signatures of a PDF: each signature's signer, times, chain, integrity and later changes.

The verdict is pyHanko's ``bottom_line`` — intact, cryptographically valid, certificate trusted (chain to a
trusted root, not revoked), timestamp valid, and the changes made after signing allowed by the document's
policy (``docmdp_ok``). ``intact`` alone is not enough: content appended after signing leaves every signature
intact but makes the modification level ``OTHER`` (stack-notes §4.1).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import pki
from app.audit import log_access
from app.services.errors import Errors, ValidationError
from app.signing.pdf import open_pdf, outside_event_loop
from app.text import nfc

__all__ = ["MODIFICATION_LABELS", "SignatureReport", "verify_pdf", "verify_uploaded_pdf"]

log = logging.getLogger(__name__)

#: pyHanko's ModificationLevel names in Vietnamese words.
MODIFICATION_LABELS = {
    "NONE": _l("Không có thay đổi nào sau khi ký"),
    "LTA_UPDATES": _l("Chỉ bổ sung dữ liệu xác thực dài hạn (được phép)"),
    "FORM_FILLING": _l("Chỉ điền biểu mẫu và ký tiếp (được phép)"),
    "ANNOTATIONS": _l("Thêm ghi chú sau khi ký"),
    "OTHER": _l("Nội dung đã bị sửa đổi sau khi ký"),
}


@dataclass
class SignatureReport:
    """One signature (or document timestamp) of a PDF, as validated."""

    field: str
    signer: str
    signing_time: datetime | None
    timestamp_time: datetime | None
    chain: list[str]
    trusted: bool
    intact: bool
    valid: bool
    modification_level: str | None
    docmdp_ok: bool | None
    bottom_line: bool
    certify: bool = False
    permission: str | None = None
    coverage: str | None = None
    reason: str | None = None
    location: str | None = None
    timestamp_ok: bool | None = None
    revoked: bool = False
    kind: str = "signature"
    summary: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def modification_label(self) -> str:
        """The modification level in Vietnamese."""
        if self.modification_level is None:
            return _("Không xác định")
        return str(MODIFICATION_LABELS.get(self.modification_level, self.modification_level))

    @property
    def modified_after_signing(self) -> bool:
        """Whether anything beyond what the signature allows was changed after it (or it cannot be told)."""
        return not self.docmdp_ok or self.modification_level not in ("NONE", "LTA_UPDATES", "FORM_FILLING")


def _cn(cert) -> str:
    native = cert.subject.native
    return nfc(native.get("common_name") or native.get("organization_name") or cert.subject.human_friendly)


def _chain(status, embedded) -> list[str]:
    """Subject CNs from the signer up to the root: the validated path, else the embedded certificates."""
    path = getattr(status, "validation_path", None)
    if path is not None:
        return [_cn(c) for c in reversed(list(path.iter_certs(include_root=True)))]
    certs = {c.subject.dump(): c for c in embedded.other_embedded_certs}
    cert, names = embedded.signer_cert, []
    while cert is not None and len(names) < 10:
        names.append(_cn(cert))
        if cert.issuer == cert.subject:
            break
        cert = certs.get(cert.issuer.dump())
    return names


def _problems(report: SignatureReport) -> list[str]:
    problems = []
    if not report.intact:
        problems.append(_("phần nội dung đã ký bị thay đổi"))
    elif not report.valid:
        problems.append(_("chữ ký không hợp lệ về mặt mật mã"))
    if report.revoked:
        problems.append(_("chứng thư số đã bị thu hồi"))
    elif not report.trusted:
        problems.append(_("chứng thư số không dẫn tới tổ chức cấp chứng thư được tin cậy"))
    if report.timestamp_ok is False:
        problems.append(_("dấu thời gian không hợp lệ"))
    if report.docmdp_ok is False or report.modification_level == "OTHER":
        problems.append(_("tài liệu bị sửa đổi sau khi ký (%(level)s)", level=report.modification_label))
    return problems


def _summarise(report: SignatureReport) -> SignatureReport:
    report.problems = _problems(report)
    if report.bottom_line:
        report.summary = _("Chữ ký của %(signer)s hợp lệ: toàn vẹn, chứng thư số tin cậy; %(level)s.",
                           signer=report.signer, level=report.modification_label.lower())
    else:
        report.summary = _("Chữ ký của %(signer)s KHÔNG hợp lệ: %(problems)s.", signer=report.signer,
                           problems="; ".join(report.problems) or _("không kiểm tra được"))
    return report


def _level(status) -> str | None:
    level = getattr(status, "modification_level", None)
    return level.name if level is not None else None


def _report_signature(embedded, vc) -> SignatureReport:
    from pyhanko.sign.validation import validate_pdf_signature

    status = validate_pdf_signature(embedded, signer_validation_context=vc, ts_validation_context=vc)
    ts = status.timestamp_validity
    docmdp = embedded.docmdp_level
    sig = embedded.sig_object
    return SignatureReport(
        field=embedded.field_name, signer=_cn(status.signing_cert), signing_time=status.signer_reported_dt,
        timestamp_time=ts.timestamp if ts is not None else None, chain=_chain(status, embedded),
        trusted=bool(status.trusted), intact=bool(status.intact), valid=bool(status.valid),
        modification_level=_level(status), docmdp_ok=status.docmdp_ok, bottom_line=bool(status.bottom_line),
        certify=docmdp is not None, permission=docmdp.name if docmdp is not None else None,
        coverage=status.coverage.name if status.coverage is not None else None,
        reason=nfc(str(sig["/Reason"])) if "/Reason" in sig else None,
        location=nfc(str(sig["/Location"])) if "/Location" in sig else None,
        timestamp_ok=None if ts is None else bool(ts.valid and ts.intact and ts.trusted),
        revoked=bool(status.revoked),
    )


def _report_timestamp(embedded, vc) -> SignatureReport:
    from pyhanko.sign.validation import validate_pdf_timestamp

    status = validate_pdf_timestamp(embedded, validation_context=vc)
    ok = bool(status.valid and status.intact and status.trusted)
    return SignatureReport(
        field=embedded.field_name or "", signer=_cn(status.signing_cert), signing_time=status.timestamp,
        timestamp_time=status.timestamp, chain=_chain(status, embedded), trusted=bool(status.trusted),
        intact=bool(status.intact), valid=bool(status.valid), modification_level=_level(status),
        docmdp_ok=status.docmdp_ok, bottom_line=ok and status.docmdp_ok is not False,
        coverage=status.coverage.name if status.coverage is not None else None, timestamp_ok=ok,
        revoked=bool(status.revoked), kind="timestamp",
    )


def verify_pdf(pdf: bytes) -> list[SignatureReport]:
    """Validate every signature and document timestamp of ``pdf`` against the app's trusted roots and CRLs.

    Empty list when the PDF carries no signature; ValidationError (Vietnamese) when it is not a readable PDF.
    A signature that cannot even be parsed is reported as not valid, with the reason.
    """
    reader = open_pdf(pdf)
    try:
        embedded = list(reader.embedded_signatures)
    except Exception:  # noqa: BLE001 - a broken AcroForm is reported like a broken file
        raise ValidationError({"pdf": [_("Tệp PDF bị hỏng hoặc không đọc được.")]}) from None
    reports = []
    for sig in embedded:
        vc = pki.validation_context()
        try:
            if sig.sig_object_type == "/DocTimeStamp":
                report = outside_event_loop(lambda sig=sig, vc=vc: _report_timestamp(sig, vc))
            else:
                report = outside_event_loop(lambda sig=sig, vc=vc: _report_signature(sig, vc))
        except Exception as exc:  # noqa: BLE001 - a malformed signature is a finding, not a crash
            log.info("signature %s could not be validated: %s", sig.field_name, exc)
            report = SignatureReport(field=str(sig.field_name or ""), signer=_("Không xác định"), signing_time=None,
                                     timestamp_time=None, chain=[], trusted=False, intact=False, valid=False,
                                     modification_level=None, docmdp_ok=None, bottom_line=False)
        reports.append(_summarise(report))
    return reports


def verify_uploaded_pdf(actor, content: bytes | None) -> list[SignatureReport]:
    """The "Kiểm tra chữ ký số" page: check the upload (present, ≤ ``SIGN_VERIFY_MAX_BYTES``, a PDF),
    validate it, and record the check in the access log (SHA-256 and number of signatures, never the file)."""
    errors = Errors()
    max_bytes = int(current_app.config.get("SIGN_VERIFY_MAX_BYTES", 30 * 1024 * 1024))
    if not content:
        errors.add("pdf", _("Hãy chọn tệp PDF cần kiểm tra."))
    elif len(content) > max_bytes:
        errors.add("pdf", _("Tệp lớn hơn %(mb)s MB.", mb=max_bytes // (1024 * 1024)))
    elif not content[:1024].lstrip().startswith(b"%PDF-"):
        errors.add("pdf", _("Tệp không phải PDF."))
    errors.raise_if_any()
    reports = verify_pdf(content)
    log_access("verify_pdf", user=actor, detail={"sha256": hashlib.sha256(content).hexdigest(),
                                                 "signatures": len(reports),
                                                 "valid": bool(reports) and all(r.bottom_line for r in reports)})
    return reports
