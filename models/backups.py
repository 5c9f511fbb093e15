"""Backups aggregate (issue 20; HN-11.1, HN-11.2, HCM-10.1, HCM-10.2): one row per archive made by
``flask backup create`` or the monthly job, what its verification found, and when retention deleted it.

The archive itself lives outside the database (``BACKUP_DIR``, or a bucket: ``BACKUP_STORAGE``); the row keeps where
(``location``: the directory or ``s3://bucket/<prefix>backups/``, + ``file_name``),
its size and SHA-256, the schema revision and the key id it was made with. ``status`` is ``complete`` (the archive
was written) or ``failed`` (the attempt, with its message, for the log). ``verified_ok`` is None until a
verification ran (``flask backup verify``, the job), then True/False with ``verified_at`` and ``message``.
``deleted_at`` is set when the retention rule removed the archive (the row stays, for the log).
"""

from datetime import datetime

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.mixins import utcnow

__all__ = ["BACKUP_STATUSES", "Backup"]

#: Status -> label of a backup attempt.
BACKUP_STATUSES = {
    "complete": _l("Đã tạo"),
    "failed": _l("Không tạo được"),
}


class Backup(Model):
    """One backup archive (or a failed attempt to make one)."""

    __tablename__ = "backup"
    __table_args__ = (
        Index("ix_backup_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: complete | failed
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="complete")
    #: Where the archive is stored: a directory (``BACKUP_DIR``) or a bucket URL.
    location: Mapped[str] = mapped_column(String(500), nullable=False)
    file_name: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    #: The id of the backup key (``archive.key_id``) and the schema revision (Alembic) of the dump.
    key_id: Mapped[str | None] = mapped_column(String(32))
    schema_revision: Mapped[str | None] = mapped_column(String(64))
    tables: Mapped[int | None] = mapped_column(Integer)
    rows: Mapped[int | None] = mapped_column(BigInteger)
    files: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    #: Who asked (a command names none: the job or the operator's shell).
    trigger: Mapped[str] = mapped_column(String(12), nullable=False, default="command")
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_ok: Mapped[bool | None] = mapped_column(Boolean)
    message: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<Backup {self.id} {self.file_name} {self.status}>"
