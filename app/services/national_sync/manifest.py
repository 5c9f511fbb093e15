"""The manifest of the monthly batches Sở Nội vụ approves together (HN-14.2, HCM-7.3, HCM-11.7): a PDF listing each
batch (agency, month, number of records, the digest of its records) and every record (identifier, version, SHA-256
of the version), with a signature field for the approver — in HCM the Director signs it (PAdES,
``app/signing``, as the quarterly report is signed).

A batch's digest is the SHA-256 of its sorted ``identifier:version:sha256`` lines, one per record — the form the
national side's agency summary uses — so a reader can compare what was approved with what the national side
holds. Records are read in a stream (one statement), never the whole table at once.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from models.national_sync import SyncBatch, SyncItem
from models.org_units import OrgUnit
from models.personnel import FileVersion, Person

__all__ = ["ManifestLine", "batch_lines", "digest_of", "render_manifest"]

#: Where the approver signs on the last page (points, bottom-left origin).
SIGNATURE_BOX = (330.0, 50.0, 540.0, 120.0)


@dataclass(frozen=True)
class ManifestLine:
    """One record of a batch as the manifest lists it."""

    batch_id: int
    identifier: str
    version_no: int
    sha256: str

    @property
    def line(self) -> str:
        """``identifier:version:sha256``."""
        return f"{self.identifier}:{self.version_no}:{self.sha256}"


def batch_lines(batch_ids: list[int]) -> Iterator[ManifestLine]:
    """The records the batches list (their items not superseded), by batch then id; the identifier is the file's
    số định danh cá nhân (ND27-ID: the CCCD)."""
    rows = db.session.execute(
        select(SyncItem.monthly_batch_id, SyncItem.version_no, FileVersion.sha256, Person.cccd)
        .join(FileVersion, FileVersion.id == SyncItem.file_version_id)
        .join(Person, Person.id == SyncItem.person_id)
        .where(SyncItem.monthly_batch_id.in_(batch_ids), SyncItem.status != "superseded")
        .order_by(SyncItem.monthly_batch_id, SyncItem.id)
        .execution_options(yield_per=1000))
    for batch_id, version_no, sha, cccd in rows:
        yield ManifestLine(batch_id, cccd or "", version_no, sha)


def digest_of(lines: Iterable[str]) -> str:
    """SHA-256 (hex) of the sorted lines, each followed by a newline."""
    digest = hashlib.sha256()
    for line in sorted(lines):
        digest.update((line + "\n").encode("utf-8"))
    return digest.hexdigest()


def render_manifest(batches: list[SyncBatch], approver_name: str, day_text: str, location: str
                    ) -> tuple[bytes, int, dict[int, str], int]:
    """(the PDF, the last page's index, each batch's digest, the number of records) of the manifest of
    ``batches``."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from app.pdf.fonts import BOLD, register_fonts

    regular = register_fonts()
    ids = [b.id for b in batches]
    names = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(
        OrgUnit.id.in_({b.agency_unit_id for b in batches}))).all())
    by_batch: dict[int, list[ManifestLine]] = {i: [] for i in ids}
    for entry in batch_lines(ids):
        by_batch[entry.batch_id].append(entry)
    digests = {i: digest_of(e.line for e in lines) for i, lines in by_batch.items()}
    total = sum(len(v) for v in by_batch.values())

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.setTitle(_("Bảng kê dữ liệu đồng bộ về CSDL quốc gia"))
    width, height = A4
    left, top, bottom, lead = 48.0, height - 56.0, 64.0, 13.0
    state = {"y": top, "page": 0}

    def new_page() -> None:
        pdf.setFont(regular, 8)
        pdf.drawRightString(width - left, 30, _("Trang %(n)s", n=state["page"] + 1))
        pdf.showPage()
        state["page"] += 1
        state["y"] = top

    def write(text: str, *, font: str = regular, size: float = 9.5, x: float = left, center: bool = False) -> None:
        if state["y"] < bottom:
            new_page()
        pdf.setFont(font, size)
        if center:
            pdf.drawCentredString(width / 2, state["y"], text)
        else:
            pdf.drawString(x, state["y"], text)
        state["y"] -= lead if size < 12 else lead + 5

    write(_("BẢNG KÊ DỮ LIỆU CÁN BỘ, CÔNG CHỨC, VIÊN CHỨC ĐỒNG BỘ VỀ CSDL QUỐC GIA"), font=BOLD, size=12.5,
          center=True)
    write(_("%(place)s, ngày %(day)s — %(n)s đợt, %(records)s hồ sơ", place=location, day=day_text,
            n=len(batches), records=total), center=True)
    state["y"] -= 6
    write(_("Các đợt được phê duyệt"), font=BOLD)
    for b in batches:
        write(_("Đợt %(key)s — %(agency)s — tháng %(month)s — %(n)s hồ sơ", key=b.batch_key,
                agency=names.get(b.agency_unit_id, ""), month=_month(b.period), n=len(by_batch[b.id])), x=left + 8)
        write(_("Mã kiểm tra SHA-256 của đợt: %(digest)s", digest=digests[b.id]), size=8.5, x=left + 20)
    for b in batches:
        state["y"] -= 6
        write(_("Danh sách hồ sơ của đợt %(key)s (số định danh : phiên bản : mã kiểm tra SHA-256)", key=b.batch_key),
              font=BOLD)
        for n, entry in enumerate(by_batch[b.id], start=1):
            write(f"{n:>5}. {entry.line}", size=8, x=left + 8)
    if state["y"] < SIGNATURE_BOX[3] + 40:
        new_page()
    pdf.setFont(BOLD, 10.5)
    pdf.drawCentredString((SIGNATURE_BOX[0] + SIGNATURE_BOX[2]) / 2, SIGNATURE_BOX[3] + 24,
                          _("SỞ NỘI VỤ PHÊ DUYỆT"))
    pdf.setFont(regular, 9.5)
    pdf.drawCentredString((SIGNATURE_BOX[0] + SIGNATURE_BOX[2]) / 2, SIGNATURE_BOX[3] + 10, approver_name)
    pdf.setFont(regular, 8)
    pdf.drawRightString(width - left, 30, _("Trang %(n)s", n=state["page"] + 1))
    pdf.showPage()
    pdf.save()
    return buf.getvalue(), state["page"], digests, total


def _month(period: str) -> str:
    year, month = period.split("-")
    return f"{month}/{year}"
