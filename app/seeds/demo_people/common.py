"""What every part of the demo people generator shares: the demo's day, the result type, month arithmetic."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

#: The day the demo files describe ("today" of the demo): fixed, so a seed gives the same files every day.
AS_OF = date(2026, 7, 1)


DEFAULT_SEED = 2026


@dataclass
class PersonSpec:
    """One generated file: the unit's mã định danh, the login to link, ``person`` columns, section rows."""

    unit_code: str
    person: dict
    #: Section table name (``models.personnel.SECTION_MODELS``) -> rows (column values, discriminator included).
    rows: dict[str, list[dict]] = field(default_factory=dict)
    account: str | None = None

    @property
    def full_name(self) -> str:
        """Họ, tên đệm, tên."""
        p = self.person
        return " ".join(x for x in (p["family_name"], p["middle_name"], p["given_name"]) if x)


def month_no(d: date) -> int:
    """Month index of a date (year × 12 + month − 1)."""
    return d.year * 12 + d.month - 1


def month_text(i: int) -> str:
    """Month index -> "YYYY-MM"."""
    return "%04d-%02d" % (i // 12, i % 12 + 1)


def month_date(i: int, day: int = 1) -> date:
    """Month index -> a date in that month."""
    return date(i // 12, i % 12 + 1, day)


def add_years(d: date, years: int) -> date:
    """``d`` moved by whole years (29/02 -> 28/02)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def age_at(birth: date, on: date) -> int:
    """Age in whole years on ``on``."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def money_text(amount: int) -> str:
    """``amount`` with dots between thousands (12.000.000)."""
    return f"{amount:,}".replace(",", ".")


def pick(rng: random.Random, weighted):
    """One item of ``((value, weight), ...)``."""
    values = [v for v, _w in weighted]
    weights = [w for _v, w in weighted]
    return rng.choices(values, weights)[0]


def lower_first(text: str) -> str:
    """First letter in lower case, for a name inside a sentence ("Huyện Gia Lâm" -> "huyện Gia Lâm")."""
    return text[:1].lower() + text[1:]


class Draft(SimpleNamespace):
    """The person being drawn: the ``draw_*`` steps run in a fixed order, each reading what the earlier ones set
    (the random stream is consumed in that order, which is the seed's contract)."""


def month_no_of(value: str | None, until: date) -> int:
    """Month number of a ``YYYY-MM`` text; an open end (None) is the month of ``until``."""
    if value is None:
        return month_no(until)
    return int(value[:4]) * 12 + int(value[5:7]) - 1


def with_positions(rows: list[dict]) -> list[dict]:
    """Number the rows of one section table 1, 2, … (their order on the form)."""
    return [{**row, "position": i} for i, row in enumerate(rows, start=1)]
