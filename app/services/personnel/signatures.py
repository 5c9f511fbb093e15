"""Digital signatures of a submission and of its approval steps, on one PDF (HCM-3.4, HCM-7.2, HCM-7.2a–c).

The person signs the Sơ yếu lý lịch *as proposed* (the approved file with the change set laid over it),
rendered in the official layout (``app/pdf``) with empty signature fields; the signature is a certification
signature that still allows the later ones. Each step that requires a signature then signs the same PDF in
its own field — reviewer (``CanBoTCCB``), approver (``ThuTruong``) — so every earlier signature stays valid
and the final PDF carries the whole chain (``flask verify-pdf`` / "Kiểm tra chữ ký số" show it). The PDF is
kept encrypted per submission round (:class:`models.approvals.ChangeSetDocument`). Callers are the use cases
of ``change_sets``: a refused signature (wrong passphrase, expired/revoked certificate …) raises before
anything is written.
"""

from __future__ import annotations

import hashlib

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.profiles import active_profile
from app.services.errors import ValidationError
from app.services.personnel import files
from models.approvals import ChangeSetDocument
from models.personnel import ChangeSet, FileVersion, Person

__all__ = ["document_for", "sign_step", "sign_submission"]


def _fields():
    from app.signing import FIELD_APPROVER, FIELD_PERSON, FIELD_REVIEWER

    return FIELD_PERSON, {"review": FIELD_REVIEWER, "approve": FIELD_APPROVER}


def document_for(cs: ChangeSet) -> ChangeSetDocument | None:
    """The signed PDF of the change set's current round, if one was made."""
    return db.session.scalar(select(ChangeSetDocument).where(
        ChangeSetDocument.change_set_id == cs.id, ChangeSetDocument.round == cs.round))


def _render(person: Person, cs: ChangeSet) -> bytes:
    from app.pdf.syll import render_syll
    from app.signing import add_signature_fields

    doc = files.proposed(files.snapshot(person), list(cs.items))
    doc["meta"]["version_no"] = person.version_no + 1
    transient = FileVersion(person_id=person.id, version_no=person.version_no + 1, snapshot=doc,
                            sha256=hashlib.sha256(files.canonical_json(doc).encode()).hexdigest())
    rendered = render_syll(transient)
    return add_signature_fields(rendered.data, rendered.signature_boxes)


def _sign(pdf: bytes, actor, passphrase: str | None, field: str, reason: str, certify: bool) -> bytes:
    from app.signing import load_signer, sign_pdf

    if not passphrase:
        raise ValidationError({"passphrase": [_("Hãy nhập mật khẩu chứng thư số để ký.")]})
    with load_signer(actor, passphrase) as signer:
        return sign_pdf(pdf, field=field, signer=signer, reason=reason, location=active_profile().location,
                        certify=certify)


def sign_submission(actor, person: Person, cs: ChangeSet, passphrase: str | None) -> str:
    """The person signs the proposed file; returns the signature reference stored on the submission."""
    field, _by_step = _fields()
    pdf = _sign(_render(person, cs), actor, passphrase, field,
                _("Tôi xin cam đoan những lời khai trên đây là đúng sự thật."), certify=True)
    round_no = (cs.round or 0) + 1  # the round the submission opens
    doc = db.session.scalar(select(ChangeSetDocument).where(
        ChangeSetDocument.change_set_id == cs.id, ChangeSetDocument.round == round_no))
    if doc is None:
        doc = ChangeSetDocument(change_set_id=cs.id, round=round_no)
        db.session.add(doc)
    doc.content, doc.sha256, doc.signed_fields = pdf, hashlib.sha256(pdf).hexdigest(), field
    db.session.flush()
    return f"change_set_document:{doc.id}:{field}"


def sign_step(actor, person: Person, cs: ChangeSet, step_key: str, passphrase: str | None, reason: str) -> str:
    """The actor of a step signs the submission's PDF in the step's field (a PDF is made first when the
    submission carried none, e.g. an officer's entry on the person's behalf)."""
    _person_field, by_step = _fields()
    field = by_step.get(step_key)
    if field is None:
        raise ValidationError({"__all__": [_("Bước “%(step)s” không có ô chữ ký trên sơ yếu lý lịch.",
                                             step=step_key)]})
    doc = document_for(cs)
    if doc is None:
        doc = ChangeSetDocument(change_set_id=cs.id, round=cs.round, content=_render(person, cs), sha256="",
                                signed_fields="")
        db.session.add(doc)
    pdf = _sign(doc.content, actor, passphrase, field, reason, certify=not doc.signed_fields)
    doc.content, doc.sha256 = pdf, hashlib.sha256(pdf).hexdigest()
    doc.signed_fields = ",".join(f for f in (doc.signed_fields or "").split(",") + [field] if f)
    db.session.flush()
    return f"change_set_document:{doc.id}:{field}"
