"""Exports aggregate: background export jobs (a unit's Sơ yếu lý lịch as a ZIP of PDFs, …).

A row is written when an export is asked for (committed before the job is queued); the job keeps its
progress in it, so a page can show a progress bar whether the job runs on RQ or in-process, and the result
file is served only to whoever asked for it, while the unit is still in their scope.
"""

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.mixins import BackgroundJobMixin

__all__ = ["EXPORT_STATUSES", "ExportJob"]

#: queued → running → finished | failed; finished → expired (the file deleted after EXPORT_RETENTION_HOURS)
EXPORT_STATUSES = ("queued", "running", "finished", "failed", "expired")


class ExportJob(BackgroundJobMixin, Model):
    """One export asked for by a user: what (kind, unit), how far it got, and the file it produced."""

    __tablename__ = "export_job"
    __table_args__ = (Index("ix_export_job_requested_by", "requested_by_id", "created_at"),
                      Index("ix_export_job_status_heartbeat", "status", "heartbeat_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: syll_unit (the SYLL of every active person of a unit and its sub-units)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    requested_by_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_export_job_requested_by_id"), nullable=False
    )
    org_unit_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_export_job_org_unit_id")
    )
    #: Files to produce (``total``), produced so far (``done``), and people left out (no approved version).
    skipped: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: The result under the export folder (a random name) and the name it is downloaded under.
    stored_name: Mapped[str | None] = mapped_column(String(80))
    download_name: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))

    requested_by = relationship("Account", foreign_keys=[requested_by_id])
    org_unit = relationship("OrgUnit", foreign_keys=[org_unit_id])

    def _progress(self) -> int:
        return self.done + self.skipped
