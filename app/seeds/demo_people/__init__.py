"""Demo people: a plausible full Sơ yếu lý lịch for about 200 people of the demo city (``flask seed-demo``).

Plain data and generators, no database: :func:`generate_people` turns the demo units
(``app/seeds/demo_city.py``) into :class:`PersonSpec` objects, column values of ``person`` and rows of the
section tables, which ``app/services/demo.py`` writes. Everything is drawn from one ``random.Random(seed)``
in a fixed order and dated against :data:`AS_OF`, so the same seed gives the same people on any day.

What is realistic on purpose:

- Names: family names with their real frequencies (Nguyễn ≈ 38 %), tên đệm and tên by sex, minority
  names with their ethnic group and home province, and hard cases for sorting and search (Đặng/Dương,
  compound family names, "Hoà"/"Hòa" tone placement, an Ê Đê name).
- Careers: recruitment after the degree, probation, 2–5 consecutive work periods ending in the current
  unit, appointments, promotions of ngạch / hạng, bậc raised every 36 months (24 for loại B) with the exact
  coefficient of the salary table, thâm niên vượt khung at the last bậc, a discipline delaying a raise.
- Family: parents, spouse, children and siblings whose birth years fit the person's age.

The salary table is not read here: the caller passes a :class:`SalaryScale` (the code lists in the app,
``app/seeds/code_lists.py`` data in tests).

The package is split by subject: :mod:`.names` (names, identity), :mod:`.places` (places, the units),
:mod:`.profiles` (careers by kind of unit), :mod:`.career` (ranks, work history, evaluations, duties), :mod:`.training`,
:mod:`.salary` (salary table, history, allowances), :mod:`.family`; :mod:`.generator` runs their ``draw_*`` steps in a
fixed order and :mod:`.common` holds the shared month arithmetic.
"""

from app.seeds.demo_people.common import AS_OF, DEFAULT_SEED, PersonSpec, pick
from app.seeds.demo_people.generator import LINKED_ACCOUNTS, Generator, generate_people
from app.seeds.demo_people.names import FAMILY_NAMES, HARD_CASES
from app.seeds.demo_people.places import Unit
from app.seeds.demo_people.salary import SalaryScale, retirement_date

__all__ = [
    "AS_OF",
    "DEFAULT_SEED",
    "FAMILY_NAMES",
    "HARD_CASES",
    "LINKED_ACCOUNTS",
    "Generator",
    "PersonSpec",
    "SalaryScale",
    "Unit",
    "generate_people",
    "pick",
    "retirement_date",
]
