"""PAdES digital signatures (pyHanko): signature fields, signing, signers' credentials, validation (issue 7).

Signed electronic exports carry the legal value of paper (HN-8.4, HCM-9.4); staff sign their own file and
officers sign reviews and approvals (HCM-3.4, HCM-7.2). Typical use::

    pdf = add_signature_fields(pdf, {FIELD_PERSON: (1, (40, 60, 200, 120)), FIELD_REVIEWER: (1, (220, 60, 380, 120))})
    with load_signer(person_account, passphrase) as signer:
        pdf = sign_pdf(pdf, field=FIELD_PERSON, signer=signer, reason="Tôi cam đoan …", certify=True)
    with load_signer(officer_account, passphrase) as signer:
        pdf = sign_pdf(pdf, field=FIELD_REVIEWER, signer=signer, reason="Đã kiểm tra, xác nhận")
    for report in verify_pdf(pdf):
        print(report.summary)

Modules: :mod:`.pdf` (fields, stamp, signing), :mod:`.credentials` (storage and loading of keys),
:mod:`.verify` (validation reports). Certificates, trust and timestamps: :mod:`app.pki`.
"""

from app.signing.credentials import (
    DEV_LABEL,
    Signer,
    active_credential,
    credential_status,
    forget_signers,
    holder_match,
    issue_dev_credential,
    list_credentials,
    load_signer,
    open_pkcs12,
    register_pkcs11,
    revoke_credential,
    store_pkcs12,
)
from app.signing.pdf import (
    FIELD_APPROVER,
    FIELD_PERSON,
    FIELD_REVIEWER,
    FIELD_SEAL,
    STAMP_TEXT,
    add_signature_fields,
    sign_pdf,
    stamp_font_path,
)
from app.signing.verify import MODIFICATION_LABELS, SignatureReport, verify_pdf, verify_uploaded_pdf

__all__ = [
    "DEV_LABEL",
    "FIELD_APPROVER",
    "FIELD_PERSON",
    "FIELD_REVIEWER",
    "FIELD_SEAL",
    "MODIFICATION_LABELS",
    "STAMP_TEXT",
    "SignatureReport",
    "Signer",
    "active_credential",
    "add_signature_fields",
    "credential_status",
    "forget_signers",
    "holder_match",
    "issue_dev_credential",
    "list_credentials",
    "load_signer",
    "open_pkcs12",
    "register_pkcs11",
    "revoke_credential",
    "sign_pdf",
    "stamp_font_path",
    "store_pkcs12",
    "verify_pdf",
    "verify_uploaded_pdf",
]
