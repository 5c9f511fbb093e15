"""National code lists (danh mục dùng chung): dated rows with their legal source, aliases, salary scales.

One table holds every list (``kind`` = dân tộc, tôn giáo, ngạch/CDNN, trình độ …), because they share one
shape: a code, a Vietnamese name, validity dates and the instrument that published it. A code that changes
meaning is a new row with new dates; history rows keep pointing at the code valid when they were written.
"""

from datetime import date

from flask_appbuilder import Model
from sqlalchemy import JSON, Date, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["CodeAlias", "CodeItem", "SalaryStep"]


class CodeItem(Model):
    """One entry of a national code list, valid from ``valid_from`` to ``valid_to`` (None = still in force)."""

    __tablename__ = "code_item"
    __table_args__ = (
        UniqueConstraint("kind", "code", "valid_from", name="uq_code_item_kind_code_from"),
        Index("ix_code_item_kind_sort", "kind", "sort_order"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Which list: "ethnicity", "religion", "rank", "qualification", "province" …
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    #: Numbering scheme when several exist (e.g. dân tộc "QD121"); never mixed inside one list.
    scheme: Mapped[str | None] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    #: Code of the parent entry in the same list (a ward's province), if any.
    parent_code: Mapped[str | None] = mapped_column(String(40))
    #: List-specific attributes, e.g. ``{"pay_group": "A1"}`` for a ngạch, ``{"level": 2}`` for an ĐVHC.
    extra: Mapped[dict | None] = mapped_column(JSON)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    #: The legal instrument that published the entry ("QĐ 121-TCTK/PPCĐ ngày 02/3/1979").
    source: Mapped[str | None] = mapped_column(String(300))
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class CodeAlias(Model):
    """A legacy spelling of a code-list entry (H'Mông → HMông), matched on its diacritic-free key."""

    __tablename__ = "code_alias"
    __table_args__ = (UniqueConstraint("kind", "alias_key", name="uq_code_alias_kind_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    alias: Mapped[str] = mapped_column(String(300), nullable=False)
    #: ``app.text.search_key(alias)`` with punctuation folded, for lookups during imports.
    alias_key: Mapped[str] = mapped_column(String(300), nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False)


class SalaryStep(Model):
    """A salary coefficient: pay group × bậc (NĐ 204/2004/NĐ-CP tables), dated."""

    __tablename__ = "salary_step"
    __table_args__ = (
        UniqueConstraint("pay_group", "step", "valid_from", name="uq_salary_step_group_step_from"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pay_group: Mapped[str] = mapped_column(String(20), nullable=False)
    step: Mapped[int] = mapped_column(Integer, nullable=False)
    coefficient: Mapped[float] = mapped_column(Numeric(5, 2), nullable=False)
    #: Months between steps (36 for A groups, 24 for B/C, 60 for chuyên gia cao cấp).
    interval_months: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(300))
