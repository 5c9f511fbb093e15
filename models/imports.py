"""Imports aggregate (issue 19, items 1–4): an uploaded file of personnel files, its staged rows, its dry run and
its commit.

An :class:`ImportJob` is one upload into one unit (and its subtree): the file is kept under the import folder
with its SHA-256 (the proof every imported version points at), a dry run (stage ``dry_run``) parses and checks it
into :class:`ImportRow` rows — one per person, whatever the layout it came in — and writes nothing to the files;
the commit (stage ``commit``, a second run of the same row) turns the valid rows into files or change sets. Both
runs are leased jobs (``jobs/leases.py``): the row's status is the current stage's.
"""

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.crypto import EncryptedJSON
from models.mixins import BackgroundJobMixin, utcnow

__all__ = ["IMPORT_FORMATS", "IMPORT_STAGES", "ROW_OUTCOMES", "ImportJob", "ImportRow"]

#: The layouts an upload may be in.
IMPORT_FORMATS = ("template", "csv", "2c")
#: dry_run: the check runs or ran; commit: the commit runs or ran (status says which state the stage is in).
IMPORT_STAGES = ("dry_run", "commit")
#: What the commit did with a row: created a file, opened a change set, nothing to change, refused (checks).
ROW_OUTCOMES = ("created", "change_set", "unchanged", "refused")


class ImportJob(BackgroundJobMixin, Model):
    """One uploaded file of personnel files into a unit's subtree, its dry run and its commit."""

    __tablename__ = "import_job"
    __table_args__ = (Index("ix_import_job_unit_created", "org_unit_id", "created_at"),
                      Index("ix_import_job_status_heartbeat", "status", "heartbeat_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_import_job_requested_by_id"), nullable=False)
    #: The unit the people are imported into (its subtree: a row may name a unit below it).
    org_unit_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_import_job_org_unit_id"), nullable=False)
    #: The category of rows that do not give one (cán bộ, công chức …).
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    #: template | csv | 2c (the layout, as detected or chosen).
    file_format: Mapped[str] = mapped_column(String(10), nullable=False)
    stage: Mapped[str] = mapped_column(String(10), nullable=False, default="dry_run")
    #: The upload: its original name, stored name under the import folder, size and SHA-256.
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(80), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    #: Dry run: people read, valid, with errors, with warnings only; the legacy encoding found (if any).
    valid_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    warning_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    encoding: Mapped[str | None] = mapped_column(String(10))
    #: The error report workbook (under the import folder), once the dry run has finished.
    report_name: Mapped[str | None] = mapped_column(String(80))
    #: Commit: files created, change sets opened, rows with nothing to change, rows refused.
    created_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    change_set_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    refused_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    commit_requested_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_import_job_commit_requested_by_id"))
    commit_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    requested_by = relationship("Account", foreign_keys=[requested_by_id])
    org_unit = relationship("OrgUnit", foreign_keys=[org_unit_id])

    def _progress(self) -> int:
        return self.done


class ImportRow(Model):
    """One person of an upload, as staged by the dry run (the raw cells, encrypted) and what the checks and the
    commit made of it. ``errors``/``warnings``: ``[[sheet, line, field, message], …]`` — the cell each message
    belongs to (``field`` None: the row)."""

    __tablename__ = "import_row"
    __table_args__ = (UniqueConstraint("job_id", "row_no", name="uq_import_row_job_row"),
                      Index("ix_import_row_job_outcome", "job_id", "outcome"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("import_job.id", name="fk_import_row_job_id", ondelete="CASCADE"), nullable=False)
    #: The person's place in the upload (1, 2 …): the commit goes in this order and resumes after the last done.
    row_no: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Sheet and line of the person's main row (for the report and the page).
    sheet: Mapped[str] = mapped_column(String(40), nullable=False)
    line: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Blind index of the CCCD (duplicates in SQL without decrypting).
    cccd_index: Mapped[str | None] = mapped_column(String(64))
    #: The staged person: ``{"scalar": {field: text}, "sections": {key: [[line, {field: text}], …]}, "refs": …}``.
    data: Mapped[dict] = mapped_column(EncryptedJSON(compressed=True), nullable=False)
    #: valid | error (the dry run's verdict); the commit re-checks.
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    #: create | update (a file with this CCCD exists in the importer's scope) | none.
    action: Mapped[str] = mapped_column(String(10), nullable=False, default="create")
    errors: Mapped[list] = mapped_column(EncryptedJSON, nullable=False, default=list)
    warnings: Mapped[list] = mapped_column(EncryptedJSON, nullable=False, default=list)
    #: What the commit did (``ROW_OUTCOMES``), in the same transaction as the file or change set it wrote.
    outcome: Mapped[str | None] = mapped_column(String(12))
    person_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("person.id", name="fk_import_row_person_id"))
    change_set_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("change_set.id", name="fk_import_row_change_set_id"))
    committed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
