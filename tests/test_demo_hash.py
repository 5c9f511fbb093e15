"""The demo seed's output is pinned by a hash (issue 14, item 4: splitting ``app/seeds/demo_people`` changes nothing).

The dump walks the person-related tables in id order through the ORM, so encrypted columns are compared in
clear (their ciphertext changes with every random nonce); timestamps (``DateTime`` columns) are left out, since
they record when the seed ran. ``EXPECTED`` was computed on the code before the split.
"""

import hashlib
import json
from datetime import date
from decimal import Decimal

from sqlalchemy import DateTime, select

#: Columns added after the pin (issue 16: the day of a change and its update deadline, the recruitment decision's
#: day): new data, not a change of the generator's output; left out of the dump like the timestamps.
ADDED_AFTER_PIN = {("change_set", "change_date"), ("change_set", "update_due"), ("person", "decision_date"),
                   ("person", "cccd_birth_digits"),
                   # issue 19: where a version came from (an import job) — empty for the seed's versions
                   ("file_version", "source"), ("file_version", "import_job_id")}

#: SHA-256 of the canonical dump of a fresh ``seed_demo()`` (computed before the split of demo_people.py).
EXPECTED = "744d2c243dc09dae8e9d2098336302877358f3bf0d7e7934101f9772a031c2be"


def _models():
    from models.accounts import Account, RoleAssignment
    from models.org_units import OrgUnit
    from models.personnel import SECTION_MODELS, ChangeItem, ChangeSet, FileVersion, Person, PersonPhoto

    return [OrgUnit, Account, RoleAssignment, Person, *SECTION_MODELS.values(), PersonPhoto, FileVersion, ChangeSet,
            ChangeItem]


def _value(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return value


def demo_dump(session) -> str:
    """Canonical JSON of the person-related tables: table -> rows (column -> value) in primary-key order."""
    out = {}
    for model in _models():
        table = model.__table__
        columns = [c for c in table.columns if not isinstance(c.type, DateTime) and c.name != "password"
                   and (table.name, c.name) not in ADDED_AFTER_PIN]
        keys = [model.__mapper__.get_property_by_column(c).key for c in columns]
        rows = session.scalars(select(model).order_by(*table.primary_key.columns))
        out[table.name] = [{k: _value(getattr(row, k)) for k in keys} for row in rows]
    return json.dumps(out, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def test_demo_seed_hash_is_unchanged(app, db, monkeypatch):
    """The demo city with its people hashes as before the generator was split by subject (Hà Nội profile: the
    pending change sets follow the active city's chain)."""
    from app.services import demo as demo_service

    monkeypatch.setitem(app.config, "CITY_PROFILE", "hanoi")
    result = demo_service.seed_demo()
    assert result["people"] > 0
    digest = hashlib.sha256(demo_dump(db.session).encode()).hexdigest()
    assert digest == EXPECTED
