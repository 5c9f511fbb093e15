"""Signed documents in reach (issue 15 item 2): the signed Sơ yếu lý lịch of a submission, its signature panel,
and an officer's signed print.

- A submission's signed PDF (:class:`models.approvals.ChangeSetDocument`, one per submission round: the person's
  signature, then the reviewer's and the approver's, HCM-3.4, HCM-7.2a–c) is opened by :func:`open_signed_document`
  and its signatures listed by :func:`signature_panel` (``app.signing.verify_pdf``: who, when, valid, intact, which
  field). A signed PDF cannot be masked: it carries the whole file as proposed (rendered at the highest
  restricted-access level), so it is read by those who read the file in full — the person themselves, the TCCB
  officers and approvers of its unit (``PersonAccess.level`` ≥ ``LEVEL_RESTRICTED``) — and by whoever acted on a
  step of that change set (the Sở Nội vụ officer of the BTV chain signed it). Anyone else, like a change set, round
  or document that does not exist, gets the same NotFoundError (no existence leak).
- :func:`signed_rounds`, :func:`signed_versions`, :func:`latest_signed` are the bounded queries behind the links
  of the review page, the file's history, the version page and "In sơ yếu lý lịch".
- :func:`sign_print`: an officer of the file (write or approve on its unit, never their own file) signs the print
  of an approved version with their certificate — the print with its signature fields, the officer's field signed
  (the approver's visible stamp for a holder of approve, else the TCCB officer's field); a refusal (no certificate,
  wrong passphrase …) raises before anything is produced.

Every download, panel and signed print goes to the access log, as the SYLL print does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select

from app import audit, workflow
from app.extensions import db
from app.profiles import active_profile
from app.request_input import as_id
from app.security import scope
from app.services.errors import ForbiddenError, NotFoundError, ValidationError
from app.services.personnel.people import get_person
from app.services.personnel.queries import get_version
from app.services.personnel.syll import LEVEL_RESTRICTED
from app.text import nfc
from models.accounts import Account
from models.approvals import ApprovalStep, ChangeSetDocument
from models.personnel import ChangeSet, FileVersion, Person

__all__ = [
    "FIELD_LABELS", "SignatureLine", "SignaturePanel", "SignedDocument", "SignedPrint", "latest_signed",
    "may_read_signed", "may_sign_print", "open_signed_document", "print_to_sign", "sign_print", "signature_panel",
    "signed_document", "signed_rounds", "signed_versions",
]

#: What each signature field of the Sơ yếu lý lịch stands for.
FIELD_LABELS = {
    "NguoiKhai": _l("Người khai"),
    "CanBoTCCB": _l("Cán bộ TCCB thẩm định"),
    "ThuTruong": _l("Thủ trưởng phê duyệt"),
    "DauCoQuan": _l("Dấu cơ quan"),
}


def _not_found() -> NotFoundError:
    """One answer for a document that does not exist and one the reader may not open."""
    return NotFoundError(_("Không tìm thấy bản sơ yếu lý lịch đã ký số."))


# --------------------------------------------------------------------------- who may read


def _acted_on(actor, cs_id: int) -> bool:
    uid = getattr(actor, "id", None)
    if uid is None:
        return False
    return bool(db.session.scalar(select(exists().where(
        ApprovalStep.change_set_id == cs_id,
        or_(ApprovalStep.actor_id == uid, ApprovalStep.on_behalf_of_id == uid)))))


def may_read_signed(actor, access: scope.PersonAccess, cs_id: int | None = None) -> bool:
    """Whether ``actor`` (whose access to the file is ``access``) may open its signed PDFs: a reader in full,
    or — for the change set ``cs_id`` — someone who acted on one of its steps."""
    if not access.read:
        return False
    if access.level >= LEVEL_RESTRICTED:
        return True
    return cs_id is not None and _acted_on(actor, cs_id)


def may_sign_print(access: scope.PersonAccess) -> bool:
    """An officer of the file (write or approve on its unit), not the person themselves."""
    return access.read and not access.own and (access.write or access.approve)


# --------------------------------------------------------------------------- one signed document


@dataclass
class SignedDocument:
    """The signed PDF of one round of a change set, and the rounds that have one."""

    person: Person
    cs: ChangeSet
    doc: ChangeSetDocument
    access: scope.PersonAccess
    rounds: list[int] = field(default_factory=list)

    @property
    def round(self) -> int:
        return self.doc.round

    @property
    def fields(self) -> list[str]:
        return [f for f in (self.doc.signed_fields or "").split(",") if f]


def signed_document(actor, person_id, cs_id, round_no=None) -> SignedDocument:
    """The signed PDF of change set ``cs_id`` of file ``person_id`` (its current round, or ``round_no``);
    NotFoundError — one message — when there is none or ``actor`` may not open it."""
    try:
        person = get_person(actor, person_id)
        cid = as_id(cs_id)
        wanted = as_id(round_no) if round_no not in (None, "") else None
    except (NotFoundError, TypeError, ValueError):
        raise _not_found() from None
    cs = db.session.get(ChangeSet, cid)
    if cs is None or cs.person_id != person.id:
        raise _not_found()
    access = scope.person_access(actor, person)
    if not may_read_signed(actor, access, cs.id):
        audit.log_security("denied", user=actor, detail={"what": "signed_syll", "person": person.id})
        raise _not_found()
    rounds = list(db.session.scalars(select(ChangeSetDocument.round).where(
        ChangeSetDocument.change_set_id == cs.id, ChangeSetDocument.signed_fields != "")
        .order_by(ChangeSetDocument.round)))
    if wanted is None:
        wanted = cs.round if cs.round in rounds else (rounds[-1] if rounds else None)
    if wanted is None or wanted not in rounds:
        raise _not_found()
    doc = db.session.scalar(select(ChangeSetDocument).where(ChangeSetDocument.change_set_id == cs.id,
                                                            ChangeSetDocument.round == wanted))
    return SignedDocument(person, cs, doc, access, rounds)


def _checked(found: SignedDocument) -> bytes:
    content = found.doc.content
    if hashlib.sha256(content).hexdigest() != found.doc.sha256:
        audit.log_security("attachment_checksum_mismatch", detail={"change_set_document": found.doc.id})
        raise ValidationError({"__all__": [_("Tệp lưu trữ không khớp mã kiểm tra; đã báo cho quản trị.")]})
    return content


def _logged(found: SignedDocument, **detail) -> dict:
    """The access log's keywords for a read of ``found`` (object, unit, detail with the consent relied on)."""
    access = found.access
    return {"object_type": "ChangeSet", "object_id": found.cs.id, "org_unit_id": found.person.org_unit_id,
            "detail": {"person": found.person.id, "round": found.round, **detail,
                       **({"consent": access.consent_id} if access.consent_id else {})}}


def signed_file_name(person: Person, cs_id: int, round_no: int) -> str:
    """The signed PDF's (Vietnamese) file name."""
    return nfc(_("Sơ yếu lý lịch đã ký số - %(name)s - đề nghị %(id)s - lần gửi %(round)s.pdf",
                 name=person.full_name, id=cs_id, round=round_no)).replace("/", "-")


def open_signed_document(actor, person_id, cs_id, round_no=None) -> tuple[bytes, str]:
    """(content, file name) of a signed PDF ``actor`` may open (:func:`signed_document`); logged as a download
    of the signed SYLL (its round and signatures); a stored file whose checksum changed is refused."""
    found = signed_document(actor, person_id, cs_id, round_no)
    content = _checked(found)
    audit.log_access("download_signed_syll", user=actor,
                     **_logged(found, signed_field=",".join(found.fields), sha256=found.doc.sha256))
    return content, signed_file_name(found.person, found.cs.id, found.round)


@dataclass
class SignatureLine:
    """One signature of the panel: the validation report, the field's meaning, and the step signed there."""

    report: object
    role: str
    step: str | None = None
    actor: str | None = None
    acted_at: datetime | None = None


@dataclass
class SignaturePanel:
    """The "Chữ ký số" panel of one signed PDF."""

    found: SignedDocument
    lines: list[SignatureLine]

    @property
    def valid(self) -> bool:
        return bool(self.lines) and all(line.report.bottom_line for line in self.lines)


def _account_name(acc: Account | None) -> str | None:
    if acc is None:
        return None
    return nfc(" ".join(p for p in (acc.last_name, acc.first_name) if p) or acc.username)


def signature_panel(actor, person_id, cs_id, round_no=None) -> SignaturePanel:
    """Every signature of a signed PDF (``app.signing.verify_pdf``) with the field it fills (Người khai, Cán bộ
    TCCB thẩm định, Thủ trưởng phê duyệt) and the step of the chain signed there (who acted, when)."""
    from app.signing import verify_pdf

    found = signed_document(actor, person_id, cs_id, round_no)
    reports = verify_pdf(_checked(found))
    steps = {}
    prefix = f"change_set_document:{found.doc.id}:"
    for step in found.cs.steps:
        if step.round == found.round and (step.signature_ref or "").startswith(prefix):
            steps[step.signature_ref[len(prefix):]] = step
    lines = []
    for report in reports:
        step = steps.get(report.field)
        line = SignatureLine(report, str(FIELD_LABELS.get(report.field, report.field)))
        if step is not None:
            line.step, line.actor, line.acted_at = workflow.step_label(found.cs, step), _account_name(step.actor), \
                step.acted_at
        elif report.field == "NguoiKhai":
            line.actor, line.acted_at = found.person.full_name, found.cs.signed_at
        lines.append(line)
    audit.log_access("read", user=actor, **_logged(found, signatures=len(reports),
                                                   valid=bool(reports) and all(r.bottom_line for r in reports)))
    return SignaturePanel(found, lines)


# --------------------------------------------------------------------------- links


def signed_rounds(person_id: int) -> dict[int, list[int]]:
    """Change set id → the rounds of it that have a signed PDF, for one file (one query)."""
    out: dict[int, list[int]] = {}
    for cs_id, round_no in db.session.execute(
            select(ChangeSetDocument.change_set_id, ChangeSetDocument.round)
            .join(ChangeSet, ChangeSet.id == ChangeSetDocument.change_set_id)
            .where(ChangeSet.person_id == person_id, ChangeSetDocument.signed_fields != "")
            .order_by(ChangeSetDocument.change_set_id, ChangeSetDocument.round)):
        out.setdefault(cs_id, []).append(round_no)
    return out


def signed_versions(person_id: int) -> dict[int, tuple[int, int]]:
    """Approved version number → (change set id, round) of the signed PDF it was approved on (one query)."""
    rows = db.session.execute(
        select(FileVersion.version_no, ChangeSet.id, ChangeSet.round)
        .join(ChangeSet, ChangeSet.id == FileVersion.change_set_id)
        .join(ChangeSetDocument, and_(ChangeSetDocument.change_set_id == ChangeSet.id,
                                      ChangeSetDocument.round == ChangeSet.round))
        .where(FileVersion.person_id == person_id, ChangeSetDocument.signed_fields != ""))
    return {no: (cs_id, round_no) for no, cs_id, round_no in rows}


def latest_signed(person: Person) -> tuple[int, int] | None:
    """(change set id, round) of the signed PDF of the file's latest approved version, if it has one."""
    return signed_versions(person.id).get(person.version_no) if person.version_no else None


# --------------------------------------------------------------------------- an officer signs a print


@dataclass
class SignedPrint:
    """A print of an approved version, signed by an officer."""

    data: bytes
    file_name: str
    field: str
    version_no: int


def print_to_sign(actor, person_id, version_no=None) -> tuple[Person, FileVersion, scope.PersonAccess]:
    """(file, approved version, access) that ``actor`` would sign a print of: the latest approved version or
    ``version_no``. NotFoundError for a file or version out of reach, ForbiddenError for a reader who is not an
    officer of the file (:func:`may_sign_print`)."""
    person = get_person(actor, person_id)
    access = scope.person_access(actor, person)
    if not may_sign_print(access):
        raise ForbiddenError(_("Chỉ cán bộ tổ chức cán bộ hoặc thủ trưởng có thẩm quyền với hồ sơ này mới ký số "
                               "bản in sơ yếu lý lịch."))
    try:
        no = as_id(version_no) if version_no not in (None, "") else person.version_no
    except (TypeError, ValueError):
        no = None
    version = get_version(person.id, no) if no else None
    if version is None:
        raise NotFoundError(_("Hồ sơ chưa có phiên bản đã duyệt này để in."))
    return person, version, access


def sign_print(actor, person_id, passphrase: str | None, version_no=None) -> SignedPrint:
    """The SYLL of the file's latest approved version (or ``version_no``) with its signature fields, signed by
    ``actor`` (an officer of the file: :func:`may_sign_print`) in their field with their certificate.

    NotFoundError for a file or version out of reach, ForbiddenError for a reader who is not an officer of the
    file, ValidationError (Vietnamese) for a missing passphrase and every refusal of the certificate (none, wrong
    passphrase, expired, revoked …); nothing is produced or logged as a print then (the refusal is in the
    security log)."""
    from app.pdf.syll import person_name, render_syll
    from app.signing import FIELD_APPROVER, FIELD_REVIEWER, add_signature_fields, load_signer, sign_pdf

    person, version, access = print_to_sign(actor, person_id, version_no)
    if not passphrase:
        raise ValidationError({"passphrase": [_("Hãy nhập mật khẩu chứng thư số để ký.")]})
    field_name = FIELD_APPROVER if access.approve else FIELD_REVIEWER
    rendered = render_syll(version, reader_level=access.level)
    pdf = add_signature_fields(rendered.data, rendered.signature_boxes)
    with load_signer(actor, passphrase) as signer:
        pdf = sign_pdf(pdf, field=field_name, signer=signer, location=active_profile().location,
                       reason=_("Xác nhận bản in sơ yếu lý lịch đúng với hồ sơ đã phê duyệt, phiên bản %(no)s",
                                no=version.version_no))
    sha = hashlib.sha256(pdf).hexdigest()
    audit.log_access("sign_print", user=actor, object_type="Person", object_id=person.id,
                     org_unit_id=person.org_unit_id,
                     detail={"version_no": version.version_no, "signed_field": field_name, "pages": rendered.page_count,
                             "sha256": sha})
    name = nfc(_("Sơ yếu lý lịch có chữ ký số - %(name)s - phiên bản %(no)s.pdf",
                 name=person_name(version.snapshot) or person.full_name, no=version.version_no)).replace("/", "-")
    return SignedPrint(pdf, name, field_name, version.version_no)
