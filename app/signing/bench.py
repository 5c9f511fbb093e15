"""``make bench`` measure ``sign_pdf``: one PAdES B-T signature with the Vietnamese stamp, next to its floor.

The floor is the same B-T signature of the same PDF by bare pyHanko with its defaults (same key and timestamper,
pyHanko's own stamp in a standard PDF font, size estimated by a trial signature). A throwaway dev CA and TSA in a
temporary directory are used: nothing touches the database or the configured ``PKI_DIR``.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import current_app

from app import pki
from app.signing.credentials import Signer
from app.signing.pdf import FIELD_PERSON, add_signature_fields, sign_pdf

__all__ = ["signing_benchmark"]


def _two_pages() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    page = canvas.Canvas(buf)
    for no in (1, 2):
        page.drawString(72, 770, f"So yeu ly lich - trang {no}")
        page.showPage()
    page.save()
    return buf.getvalue()


@contextmanager
def signing_benchmark() -> Iterator[tuple[Callable[[], bytes], Callable[[], bytes]]]:
    """Yield ``(sign, bare)``: :func:`sign_pdf` (B-T, Vietnamese stamp, certification) and bare pyHanko (B-T,
    its default stamp) on the same 2-page PDF with one RSA-2048 key. Needs an app context."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    config = current_app.config
    saved = {k: config.get(k) for k in ("PKI_DIR", "TSA_URL", "PKI_TRUST_ROOTS", "PKI_CRLS")}
    with tempfile.TemporaryDirectory(prefix="cbccvc-bench-pki-") as directory:
        config.update(PKI_DIR=directory, TSA_URL=None, PKI_TRUST_ROOTS=[], PKI_CRLS=[])
        try:
            ca = pki.create_dev_ca(directory)
            cert, key = pki.issue_certificate(ca, "Nguyễn Văn Đo")
            inner = signers.SimpleSigner(signing_cert=pki.asn1_cert(cert), signing_key=pki.asn1_key(key),
                                         cert_registry=None)
            signer = Signer(inner, cert)
            pdf = add_signature_fields(_two_pages(), {FIELD_PERSON: (1, (40, 60, 220, 120))})
            timestamper = pki.timestamper()

            def sign() -> bytes:
                return sign_pdf(pdf, field=FIELD_PERSON, signer=signer, reason="Đo tốc độ", certify=True)

            def bare() -> bytes:
                meta = signers.PdfSignatureMetadata(field_name=FIELD_PERSON, subfilter=SigSeedSubFilter.PADES,
                                                    md_algorithm="sha256")
                return signers.PdfSigner(meta, signer=inner, timestamper=timestamper).sign_pdf(
                    IncrementalPdfFileWriter(io.BytesIO(pdf)), existing_fields_only=True).getvalue()

            yield sign, bare
        finally:
            config.update(saved)
