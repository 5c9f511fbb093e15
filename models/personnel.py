"""Personnel aggregate: the person (one file for life), the sections of the Sơ yếu lý lịch (TT 06/2023/TT-BNV),
change sets (self-service drafts), immutable file versions and attachments of digitised proof.

The live rows of :class:`Person` and its section tables are the **approved** file. Nothing writes them except
the approval of a change set (``app/services/personnel``), which also writes a :class:`FileVersion`. Which
form item each column holds is declared in ``app/services/personnel/syll.py``.

Time ranges of the form's tables ("Từ tháng/năm – Đến tháng/năm") are stored as ``YYYY-MM`` or ``YYYY``
strings: they sort correctly, and a year alone is allowed where the paper form allows it. Sensitive items
(``domain.md`` §5) are encrypted columns (``app/crypto.py``).
"""

from datetime import date, datetime

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.crypto import EncryptedBytes, EncryptedJSON, EncryptedText
from models.mixins import utcnow

__all__ = [
    "AllowanceRecord",
    "Attachment",
    "ChangeItem",
    "ChangeSet",
    "DisciplineRecord",
    "EvaluationRecord",
    "FileVersion",
    "HistoryRecord",
    "Person",
    "PersonPhoto",
    "Relative",
    "SalaryRecord",
    "SECTION_MODELS",
    "TrainingRecord",
    "WorkRecord",
]


def _person_fk(table: str) -> Mapped[int]:
    return mapped_column(Integer, ForeignKey("person.id", name=f"fk_{table}_person_id"), nullable=False)


class Person(Model):
    """One cán bộ, công chức, viên chức or người lao động: a stable identity and the scalar SYLL items.

    Items 1–31, 34.1, 37.3 and 38 of the form live here; the repeating tables live in the section models.
    ``search_key`` / ``sort_key`` are derived by the service (diacritic-free search, Vietnamese order).
    """

    __tablename__ = "person"
    __audited__ = True
    __audit_exclude__ = {"search_key", "sort_key", "cccd_index", "old_id_index", "cccd_birth_digits"}
    __table_args__ = (
        # Covers the subtree list (status filter, Vietnamese order) with an index-only scan on PostgreSQL.
        Index("ix_person_org_unit_sort", "org_unit_id", "sort_key", "id", postgresql_include=["status"]),
        Index("ix_person_sort", "sort_key", "id"),
        # Probable duplicates (issue 17's data quality): same name and birth date, one index probe per file.
        Index("ix_person_sort_birth", "sort_key", "birth_date"),
        Index("ix_person_status", "status"),
        # The age filter of the list and the retirements coming (a window of birth dates per sex).
        Index("ix_person_birth_date", "birth_date"),
        Index("ix_person_cccd_index", "cccd_index"),
        Index("ix_person_old_id_index", "old_id_index"),
        Index(
            "ix_person_search_key_trgm",
            "search_key",
            postgresql_using="gin",
            postgresql_ops={"search_key": "gin_trgm_ops"},
        ),
        UniqueConstraint("account_id", name="uq_person_account_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_person_org_unit_id"), nullable=False
    )
    #: The personal account (HCM-4.4: one account per person).
    account_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("ab_user.id", name="fk_person_account_id"))
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")
    status_since: Mapped[date | None] = mapped_column(Date)
    status_decision: Mapped[str | None] = mapped_column(String(100))
    #: The day of the decision that brought the person in (phê chuẩn for cán bộ, tuyển dụng for công chức and viên
    #: chức, the contract for người lao động): HCM-7.1 counts the account deadline from it (issue 16).
    decision_date: Mapped[date | None] = mapped_column(Date)
    #: Managed by Ban Thường vụ Thành ủy (HCM-7.2a: a different approval chain, through Sở Nội vụ).
    btv_managed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    #: Number of the last approved version (0 before the first approval).
    version_no: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Share (0–100) of the required items that are filled, kept by the service.
    completeness: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    # Header of the form
    file_number: Mapped[str | None] = mapped_column(String(50))
    national_id_code: Mapped[str | None] = mapped_column(String(50))

    # 1–2
    family_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    middle_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    given_name: Mapped[str] = mapped_column(String(100), nullable=False)
    gender: Mapped[str | None] = mapped_column(String(10))
    other_names: Mapped[str | None] = mapped_column(String(300))
    # 3–7
    birth_date: Mapped[date | None] = mapped_column(Date)
    birth_date_precision: Mapped[str | None] = mapped_column(String(5))
    birthplace: Mapped[str | None] = mapped_column(String(300))
    birthplace_province: Mapped[str | None] = mapped_column(String(10))
    hometown_commune: Mapped[str | None] = mapped_column(String(150))
    hometown_district: Mapped[str | None] = mapped_column(String(150))
    hometown_province: Mapped[str | None] = mapped_column(String(10))
    ethnicity: Mapped[str | None] = mapped_column(String(10))
    religion: Mapped[str | None] = mapped_column(String(10))
    # 8–10
    cccd: Mapped[str | None] = mapped_column(EncryptedText)
    #: Blind index of the CCCD number (HMAC), for exact lookups without decrypting.
    cccd_index: Mapped[str | None] = mapped_column(String(64))
    #: Digits 4–6 of the CCCD (century/sex and birth year), derived: the data-quality check in SQL (issue 17).
    cccd_birth_digits: Mapped[str | None] = mapped_column(String(3))
    cccd_issued_on: Mapped[date | None] = mapped_column(Date)
    #: The former 9-digit CMND (legacy files and decisions cite it) and its blind index.
    old_id_number: Mapped[str | None] = mapped_column(EncryptedText)
    old_id_index: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    social_insurance_no: Mapped[str | None] = mapped_column(EncryptedText)
    health_insurance_no: Mapped[str | None] = mapped_column(EncryptedText)
    residence: Mapped[str | None] = mapped_column(String(300))
    # 11–18
    family_origin: Mapped[str | None] = mapped_column(String(100))
    previous_occupation: Mapped[str | None] = mapped_column(String(200))
    recruited_on: Mapped[date | None] = mapped_column(Date)
    recruiting_unit: Mapped[str | None] = mapped_column(String(300))
    joined_agency_on: Mapped[date | None] = mapped_column(Date)
    party_joined_on: Mapped[date | None] = mapped_column(Date)
    party_official_on: Mapped[date | None] = mapped_column(Date)
    first_org_joined_on: Mapped[date | None] = mapped_column(Date)
    first_org_name: Mapped[str | None] = mapped_column(String(200))
    enlisted_on: Mapped[date | None] = mapped_column(Date)
    discharged_on: Mapped[date | None] = mapped_column(Date)
    military_rank: Mapped[str | None] = mapped_column(String(100))
    policy_category: Mapped[str | None] = mapped_column(String(10))
    # 19–22
    general_education: Mapped[str | None] = mapped_column(String(10))
    highest_qualification: Mapped[str | None] = mapped_column(String(10))
    qualification_major: Mapped[str | None] = mapped_column(String(200))
    academic_title: Mapped[str | None] = mapped_column(String(10))
    academic_title_year: Mapped[int | None] = mapped_column(Integer)
    state_honours: Mapped[str | None] = mapped_column(String(300))
    # 23–29
    position: Mapped[str | None] = mapped_column(String(200))
    position_appointed_on: Mapped[date | None] = mapped_column(Date)
    position_reappointed_on: Mapped[date | None] = mapped_column(Date)
    planned_position: Mapped[str | None] = mapped_column(String(200))
    concurrent_positions: Mapped[str | None] = mapped_column(String(300))
    party_position: Mapped[str | None] = mapped_column(String(200))
    party_concurrent_positions: Mapped[str | None] = mapped_column(String(300))
    main_duties: Mapped[str | None] = mapped_column(Text)
    strengths: Mapped[str | None] = mapped_column(String(300))
    longest_job: Mapped[str | None] = mapped_column(String(300))
    # 30.1 ngạch / chức danh nghề nghiệp and salary step
    rank_code: Mapped[str | None] = mapped_column(String(20))
    rank_appointed_on: Mapped[date | None] = mapped_column(Date)
    salary_step: Mapped[int | None] = mapped_column(Integer)
    salary_coefficient: Mapped[float | None] = mapped_column(Numeric(5, 2))
    salary_since: Mapped[date | None] = mapped_column(Date)
    salary_percent: Mapped[float | None] = mapped_column(Numeric(5, 2))
    seniority_allowance_pct: Mapped[float | None] = mapped_column(Numeric(5, 2))
    seniority_allowance_since: Mapped[date | None] = mapped_column(Date)
    # 30.2 allowances (coefficients)
    allowance_position: Mapped[float | None] = mapped_column(Numeric(5, 2))
    allowance_concurrent: Mapped[float | None] = mapped_column(Numeric(5, 2))
    allowance_other: Mapped[str | None] = mapped_column(String(300))
    # 30.3 vị trí việc làm and money-based salary
    job_position: Mapped[str | None] = mapped_column(String(200))
    job_position_code: Mapped[str | None] = mapped_column(String(40))
    job_salary_step: Mapped[int | None] = mapped_column(Integer)
    job_salary_amount: Mapped[int | None] = mapped_column(Integer)
    job_salary_since: Mapped[date | None] = mapped_column(Date)
    job_salary_percent: Mapped[float | None] = mapped_column(Numeric(5, 2))
    job_seniority_pct: Mapped[float | None] = mapped_column(Numeric(5, 2))
    job_seniority_since: Mapped[date | None] = mapped_column(Date)
    # 31 health (blood group is not sensitive data: NĐ 13/2023 Art. 2.4.b)
    health: Mapped[str | None] = mapped_column(EncryptedText)
    height_cm: Mapped[int | None] = mapped_column(Integer)
    weight_kg: Mapped[int | None] = mapped_column(Integer)
    blood_group: Mapped[str | None] = mapped_column(String(5))
    # 34.1 arrest / imprisonment
    arrest_history: Mapped[str | None] = mapped_column(EncryptedText)
    # 37.3 income, housing, land
    income_salary: Mapped[str | None] = mapped_column(EncryptedText)
    income_other: Mapped[str | None] = mapped_column(EncryptedText)
    housing_granted: Mapped[str | None] = mapped_column(EncryptedText)
    housing_owned: Mapped[str | None] = mapped_column(EncryptedText)
    land_granted: Mapped[str | None] = mapped_column(EncryptedText)
    land_owned: Mapped[str | None] = mapped_column(EncryptedText)
    land_business: Mapped[str | None] = mapped_column(EncryptedText)
    # 38 remarks of the employing agency
    agency_assessment: Mapped[str | None] = mapped_column(Text)

    search_key: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    #: Compared byte by byte ("C" collation on PostgreSQL; SQLite compares bytes by default).
    sort_key: Mapped[str] = mapped_column(String(800).with_variant(String(800, collation="C"), "postgresql"),
                                          nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False
    )

    org_unit = relationship("OrgUnit")
    account = relationship("Account", foreign_keys=[account_id])

    @property
    def full_name(self) -> str:
        """Họ, tên đệm và tên in Vietnamese order."""
        return " ".join(p for p in (self.family_name, self.middle_name, self.given_name) if p)


class _SectionRow:
    """Columns every repeating-section row has: its person and its place in the table."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class _PeriodRow(_SectionRow):
    """A row of a "Từ tháng/năm – Đến tháng/năm" table: ``YYYY-MM`` or ``YYYY``; no end = still running."""

    start: Mapped[str | None] = mapped_column(String(7))
    end: Mapped[str | None] = mapped_column(String(7))


class TrainingRecord(_PeriodRow, Model):
    """Items 32.1–32.6: professional training, political theory, state management, defence, IT, languages."""

    __tablename__ = "training_record"
    __audited__ = True
    __table_args__ = (Index("ix_training_record_person", "person_id", "kind"),)

    person_id: Mapped[int] = _person_fk("training_record")
    #: professional | political | management | defence | it | language
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    institution: Mapped[str | None] = mapped_column(String(300))
    major: Mapped[str | None] = mapped_column(String(200))
    mode: Mapped[str | None] = mapped_column(String(20))
    level: Mapped[str | None] = mapped_column(String(20))
    certificate: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(100))
    score: Mapped[str | None] = mapped_column(String(50))


class WorkRecord(_PeriodRow, Model):
    """Item 33: summary of the working career."""

    __tablename__ = "work_record"
    __audited__ = True
    __table_args__ = (Index("ix_work_record_person", "person_id"),)

    person_id: Mapped[int] = _person_fk("work_record")
    unit_name: Mapped[str] = mapped_column(String(300), nullable=False)
    title: Mapped[str | None] = mapped_column(String(200))


class HistoryRecord(_PeriodRow, Model):
    """Items 34.2 (work for the former regime) and 34.3 (relations with organisations abroad)."""

    __tablename__ = "history_record"
    __audited__ = True
    __table_args__ = (Index("ix_history_record_person", "person_id", "kind"),)

    person_id: Mapped[int] = _person_fk("history_record")
    #: old_regime | foreign
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)


class EvaluationRecord(_SectionRow, Model):
    """Item 35.1: yearly professional rating, emulation rating and awards."""

    __tablename__ = "evaluation_record"
    __audited__ = True
    __table_args__ = (Index("ix_evaluation_record_person", "person_id"),)

    person_id: Mapped[int] = _person_fk("evaluation_record")
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    rating: Mapped[str | None] = mapped_column(String(20))
    emulation: Mapped[str | None] = mapped_column(String(100))
    award: Mapped[str | None] = mapped_column(String(300))


class DisciplineRecord(_PeriodRow, Model):
    """Item 35.2: Party or administrative discipline."""

    __tablename__ = "discipline_record"
    __audited__ = True
    __table_args__ = (Index("ix_discipline_record_person", "person_id"),)

    person_id: Mapped[int] = _person_fk("discipline_record")
    form: Mapped[str] = mapped_column(String(30), nullable=False)
    violation: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(300))


class Relative(_SectionRow, Model):
    """Items 36.1 (own family) and 36.2 (the spouse's family)."""

    __tablename__ = "relative"
    __audited__ = True
    __table_args__ = (Index("ix_relative_person", "person_id", "side"),)

    person_id: Mapped[int] = _person_fk("relative")
    #: own | spouse
    side: Mapped[str] = mapped_column(String(10), nullable=False)
    relation: Mapped[str] = mapped_column(String(20), nullable=False)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    #: Quê quán, nghề nghiệp, chức danh, chức vụ, đơn vị công tác/học tập, nơi ở, membership of organisations.
    details: Mapped[str | None] = mapped_column(Text)
    #: "Làm việc cho chế độ cũ, tiền án, tiền sự" — sensitive (domain.md §5.1 g).
    criminal_record: Mapped[str | None] = mapped_column(EncryptedText)
    lives_abroad: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class SalaryRecord(_PeriodRow, Model):
    """Item 37.1: salary history (rank code, step, coefficient, or money-based salary by job position)."""

    __tablename__ = "salary_record"
    __audited__ = True
    __table_args__ = (Index("ix_salary_record_person", "person_id"),)

    person_id: Mapped[int] = _person_fk("salary_record")
    rank_code: Mapped[str | None] = mapped_column(String(20))
    step: Mapped[int | None] = mapped_column(Integer)
    coefficient: Mapped[float | None] = mapped_column(Numeric(5, 2))
    amount: Mapped[int | None] = mapped_column(Integer)


class AllowanceRecord(_PeriodRow, Model):
    """Item 37.2: history of other allowances."""

    __tablename__ = "allowance_record"
    __audited__ = True
    __table_args__ = (Index("ix_allowance_record_person", "person_id"),)

    person_id: Mapped[int] = _person_fk("allowance_record")
    allowance_type: Mapped[str] = mapped_column(String(30), nullable=False)
    percent: Mapped[float | None] = mapped_column(Numeric(5, 2))
    coefficient: Mapped[float | None] = mapped_column(Numeric(5, 2))
    mode: Mapped[str | None] = mapped_column(String(100))
    amount: Mapped[int | None] = mapped_column(Integer)


#: Section table name -> model (the service walks them to apply, snapshot and diff).
SECTION_MODELS = {
    model.__tablename__: model
    for model in (TrainingRecord, WorkRecord, HistoryRecord, EvaluationRecord, DisciplineRecord, Relative,
                  SalaryRecord, AllowanceRecord)
}


class PersonPhoto(Model):
    """The 4×6 colour photo of the form's header, encrypted (biometric risk, domain.md §5.1)."""

    __tablename__ = "person_photo"

    person_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("person.id", name="fk_person_photo_person_id"), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(EncryptedBytes, nullable=False)
    mime_type: Mapped[str] = mapped_column(String(50), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class ChangeSet(Model):
    """A proposed change of one person's file (HN-6.3, HCM-7.2c): item-level changes plus proof.

    ``status``: draft → submitted → approved | returned (a returned set can be edited and submitted again).
    Only an approval touches the approved file, and it writes a :class:`FileVersion`.
    """

    __tablename__ = "change_set"
    __audited__ = True
    __table_args__ = (
        Index("ix_change_set_person_status", "person_id", "status"),
        Index("ix_change_set_status_submitted", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = _person_fk("change_set")
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="draft")
    #: The approved version the draft was started from (conflicts are checked at approval).
    base_version_no: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_change_set_created_by_id")
    )
    #: True when an officer entered the change on the person's behalf.
    on_behalf: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False
    )
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_change_set_submitted_by_id")
    )
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_change_set_decided_by_id")
    )
    decision_comment: Mapped[str | None] = mapped_column(Text)
    #: The version the approval wrote (no foreign key: versions also point back at their change set).
    version_id: Mapped[int | None] = mapped_column(Integer)
    #: The approval chain of the city profile the submission follows (``app/profiles``), and its round.
    chain: Mapped[str | None] = mapped_column(String(30))
    round: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    #: When the person signed the submission (HCM-7.2c counts the approval deadline from it).
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Deadline of the whole approval (HCM-7.2c: 10 working days after the signature), if the profile has one.
    due_date: Mapped[date | None] = mapped_column(Date)
    #: The day the change happened in real life (a decision, a diploma, a birth …): HN-6.3 / HCM-7.2c give the
    #: person 5 working days from it to update the file (issue 16). The draft's first day until the person says.
    change_date: Mapped[date | None] = mapped_column(Date)
    #: ``change_date`` + the profile's change deadline (changes of an approved file); a submission after it is late.
    update_due: Mapped[date | None] = mapped_column(Date)

    person = relationship("Person")
    created_by = relationship("Account", foreign_keys=[created_by_id])
    decided_by = relationship("Account", foreign_keys=[decided_by_id])
    items = relationship("ChangeItem", back_populates="change_set", order_by="ChangeItem.id",
                         cascade="all, delete-orphan")
    steps = relationship("ApprovalStep", back_populates="change_set",
                         order_by="(ApprovalStep.round, ApprovalStep.seq)", cascade="all, delete-orphan")


class ChangeItem(Model):
    """One item-level change: set scalar items of a section, or add / update / delete one table row.

    ``values`` holds the proposed values (encrypted: it may carry CCCD, health, assets …); ``row_id`` names
    the live row an update or delete is about.
    """

    __tablename__ = "change_item"
    __table_args__ = (
        Index("ix_change_item_change_set", "change_set_id"),
        UniqueConstraint("change_set_id", "section", "op", "row_id", name="uq_change_item_target"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_set_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("change_set.id", name="fk_change_item_change_set_id", ondelete="CASCADE"),
        nullable=False,
    )
    #: Section key of the SYLL registry ("identity", "training_professional", "relatives_own" …).
    section: Mapped[str] = mapped_column(String(40), nullable=False)
    #: set | add | update | delete
    op: Mapped[str] = mapped_column(String(10), nullable=False)
    row_id: Mapped[int | None] = mapped_column(Integer)
    values: Mapped[dict | None] = mapped_column(EncryptedJSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)

    change_set = relationship("ChangeSet", back_populates="items")


class FileVersion(Model):
    """An immutable snapshot of the whole approved file (JSON, encrypted) with the SHA-256 of its JSON."""

    __tablename__ = "file_version"
    __table_args__ = (UniqueConstraint("person_id", "version_no", name="uq_file_version_person_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = _person_fk("file_version")
    version_no: Mapped[int] = mapped_column(Integer, nullable=False)
    snapshot: Mapped[dict] = mapped_column(EncryptedJSON, nullable=False)
    #: SHA-256 (hex) of the canonical JSON of ``snapshot`` (sorted keys, UTF-8, no spaces).
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    change_set_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("change_set.id", name="fk_file_version_change_set_id")
    )
    created_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_file_version_created_by_id")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    #: Where the version came from when not from the form's approval: "import" (a file opened by a bulk import,
    #: issue 19) — None for the form and the hand-over.
    source: Mapped[str | None] = mapped_column(String(20))
    #: The import whose uploaded file (kept with its SHA-256) is the proof of an imported version.
    import_job_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("import_job.id", name="fk_file_version_import_job_id"))

    created_by = relationship("Account", foreign_keys=[created_by_id])


class Attachment(Model):
    """A digitised proof (HN-6.3): stored outside the database under a random name, with its checksum.

    The original Vietnamese file name is kept for display and download; the file is served only by the
    scope-checked download endpoint.
    """

    __tablename__ = "attachment"
    __audited__ = True
    __table_args__ = (
        Index("ix_attachment_person", "person_id"),
        Index("ix_attachment_change_set", "change_set_id"),
        UniqueConstraint("stored_name", name="uq_attachment_stored_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = _person_fk("attachment")
    change_set_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("change_set.id", name="fk_attachment_change_set_id")
    )
    #: quyet_dinh | van_bang | chung_chi | giay_to_tuy_than | khac …
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    section: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(String(300))
    original_name: Mapped[str] = mapped_column(String(255), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(80), nullable=False)
    mime_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("ab_user.id", name="fk_attachment_uploaded_by_id")
    )
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)

    person = relationship("Person")
