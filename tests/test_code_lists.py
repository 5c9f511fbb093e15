"""National code lists: seed data, idempotent load, lookups, salary tables, CLI (real PostgreSQL)."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.seeds.code_lists import CODE_LISTS, SALARY_STEPS
from app.services import code_lists as cl
from models.codes import CodeAlias, CodeItem, SalaryStep

# --------------------------------------------------------------------------- pure data


def test_every_list_has_a_label_and_a_source():
    for kind, code_list in CODE_LISTS.items():
        assert code_list.source, kind
        assert code_list.label, kind
        assert str(cl.KIND_LABELS[kind]) == code_list.label
        assert code_list.entries, kind
        for entry in code_list.entries:
            assert entry.code and entry.name, (kind, entry)
            assert len(entry.code) <= 40 and len(entry.name) <= 300
            assert len(entry.source or code_list.source) <= 300


def test_seed_keys_are_unique_and_aliases_point_at_codes():
    for kind, code_list in CODE_LISTS.items():
        keys = [(e.code, e.valid_from or code_list.valid_from) for e in code_list.entries]
        assert len(keys) == len(set(keys)), kind
        codes = {e.code for e in code_list.entries}
        alias_keys = [cl.lookup_key(alias) for alias, _ in code_list.aliases]
        assert len(alias_keys) == len(set(alias_keys)), kind
        name_codes: dict[str, set[str]] = {}
        for e in code_list.entries:
            name_codes.setdefault(cl.lookup_key(e.name), set()).add(e.code)
        for alias, code in code_list.aliases:
            assert code in codes, (kind, alias)
            # an alias never hides another entry's name
            assert name_codes.get(cl.lookup_key(alias), {code}) == {code}, (kind, alias)


def test_salary_arrays():
    by_group: dict[str, list[Decimal]] = {}
    for row in SALARY_STEPS:
        by_group.setdefault(row.pay_group, []).append(row.coefficient)
    assert {g: len(v) for g, v in by_group.items()} == {
        "A3.1": 6, "A3.2": 6, "A2.1": 8, "A2.2": 8, "A1": 9, "A0": 10, "B": 12, "C1": 12, "CGCC": 3}
    assert by_group["A1"] == [Decimal(x) for x in "2.34 2.67 3.00 3.33 3.66 3.99 4.32 4.65 4.98".split()]
    assert by_group["A2.1"][-1] == Decimal("6.78") and by_group["A3.1"][-1] == Decimal("8.00")
    assert by_group["A3.2"][-1] == Decimal("7.55") and by_group["A2.2"][-1] == Decimal("6.38")
    assert by_group["CGCC"] == [Decimal("8.80"), Decimal("9.40"), Decimal("10.00")]
    intervals = {r.pay_group: r.interval_months for r in SALARY_STEPS}
    assert intervals["A1"] == 36 and intervals["B"] == 24 and intervals["C1"] == 24 and intervals["CGCC"] == 60


def test_rank_pay_groups_have_salary_tables():
    groups = {r.pay_group for r in SALARY_STEPS}
    for entry in CODE_LISTS["rank"].entries:
        assert entry.extra["pay_group"] in groups, entry.code
        assert entry.extra["category"] in ("cong_chuc", "vien_chuc")


# --------------------------------------------------------------------------- load


@pytest.fixture()
def loaded(db):
    """The code lists loaded into the clean test database."""
    return cl.load_code_lists()


def _table_counts(db):
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (CodeItem, CodeAlias, SalaryStep))


def test_load_is_idempotent(db, loaded):
    first = dict(loaded)
    assert loaded.created > 0 and not loaded.stale
    counts = _table_counts(db)
    again = cl.load_code_lists()
    assert dict(again) == first
    assert again.created == 0 and again.updated == 0 and not again.stale
    assert _table_counts(db) == counts
    assert counts[0] == sum(n for kind, n in first.items() if kind in CODE_LISTS)
    assert counts[1] == first["alias"] and counts[2] == first["salary_step"] == len(SALARY_STEPS)


def test_per_kind_counts(loaded):
    assert loaded["gender"] == 2
    assert loaded["ethnicity"] == 55
    assert loaded["religion"] == 17
    assert loaded["province"] == 63 + 34
    assert 240 <= loaded["nationality"] <= 250
    assert loaded["rank"] >= 30
    assert loaded["qualification"] == 8
    assert loaded["blood_group"] == 4
    assert loaded["salary_step"] == 6 + 6 + 8 + 8 + 9 + 10 + 12 + 12 + 3
    assert set(CODE_LISTS) <= set(loaded)


def test_reload_updates_changed_rows_and_reports_stale(db, loaded):
    row = db.session.scalar(select(CodeItem).where(CodeItem.kind == "ethnicity", CodeItem.code == "01"))
    row.name = "Kinh (sửa tay)"
    db.session.add(CodeItem(kind="ethnicity", code="99", name="Cũ", sort_order=99))
    db.session.commit()
    report = cl.load_code_lists()
    assert report.updated == 1
    assert ("ethnicity", "99", None) in report.stale
    assert cl.label("ethnicity", "01") == "Kinh"
    assert cl.label("ethnicity", "99") == "Cũ"  # never deleted


# --------------------------------------------------------------------------- lookups


def test_ethnicity_and_aliases(loaded):
    rows = cl.entries("ethnicity")
    assert len(rows) == 55
    assert rows[0].code == "01" and rows[0].name == "Kinh" and rows[0].scheme == "QD121"
    assert cl.resolve("ethnicity", "H'Mông") == "08"
    assert cl.resolve("ethnicity", "H’Mông") == "08"
    assert cl.resolve("ethnicity", "Mông") == "08"
    assert cl.resolve("ethnicity", "Khmer") == "05"
    assert cl.resolve("ethnicity", "khơ me") == "05"
    assert cl.resolve("ethnicity", "K'Ho") == "16"
    assert cl.resolve("ethnicity", "Giẻ Triêng") == "27"
    assert cl.resolve("ethnicity", "kinh") == "01"
    assert cl.resolve("ethnicity", "01") == "01"
    assert cl.resolve("ethnicity", "Klingon") is None
    assert cl.resolve("ethnicity", "  ") is None


def test_labels_and_validity(loaded):
    assert cl.label("ethnicity", "08") == "HMông"
    assert cl.label("ethnicity", "zz") == "zz"
    assert cl.label("ethnicity", None) == ""
    assert cl.labels("gender") == {"nam": "Nam", "nu": "Nữ"}
    assert cl.is_valid("religion", "00")
    assert cl.label("religion", "00") == "Không"
    assert not cl.is_valid("religion", "xx")
    assert not cl.is_valid("religion", None)
    assert cl.resolve("qualification", "ĐH") == "DH"
    assert cl.resolve("qualification", "ths") == "ThS"
    assert cl.resolve("qualification", "Thạc sỹ") == "ThS"


def test_nationality(loaded):
    assert cl.label("nationality", "VN") == "Việt Nam"
    assert cl.entries("nationality")[0].code == "VN"
    codes = {r.code for r in cl.entries("nationality")}
    assert {"US", "FR", "LA", "KH", "CN"} <= codes
    assert not codes & {"EU", "UN", "ZZ", "XA"}
    assert cl.resolve("nationality", "Áo") == "AT"  # not AO (Angola) through its code
    assert cl.resolve("nationality", "Mỹ") == "US"
    assert cl.resolve("nationality", "vn") == "VN"
    assert ("VN", "Việt Nam") in cl.search("nationality", "viet")


def test_provinces_before_and_after_2025(loaded):
    before, after = date(2024, 1, 1), date(2026, 1, 1)
    assert cl.is_valid("province", "79", on=before) and cl.is_valid("province", "79", on=after)
    assert cl.is_valid("province", "74", on=before) and not cl.is_valid("province", "74", on=after)
    assert len(cl.entries("province", on=before)) == 63
    assert len(cl.entries("province", on=after)) == 34
    assert db_rows("province", "79") == 2
    assert ("79", "Thành phố Hồ Chí Minh") in cl.search("province", "ho chi minh")
    assert cl.search("province", "ho chi minh")[0][0] == "79"
    assert [c for c, _ in cl.search("province", "binh duong", on=before)] == ["74"]
    assert cl.search("province", "binh duong", on=after) == []
    assert cl.resolve("province", "Tỉnh Quảng Trị", on=before) == "45"
    assert cl.resolve("province", "Quảng Trị", on=after) == "44"
    assert cl.resolve("province", "TP HCM") == "79"
    assert cl.resolve("province", "Bình Dương") == "74"  # only an old row: still found
    assert cl.label("province", "46") == "Thành phố Huế"  # the newest row's name


def db_rows(kind, code):
    """How many rows one code has in the database."""
    from app.extensions import db

    return db.session.scalar(select(func.count()).select_from(CodeItem).where(CodeItem.kind == kind,
                                                                             CodeItem.code == code))


def test_search_limits_and_blank_query(loaded):
    assert len(cl.search("nationality", "", limit=5)) == 5
    assert cl.search("nationality", "", limit=1) == [("VN", "Việt Nam")]
    assert cl.search("ethnicity", "hmong") == [("08", "HMông")]


def test_rank_pay_groups_and_salary(loaded):
    assert cl.pay_group("01.004", on=date(2020, 1, 1)) == "B"
    assert cl.pay_group("01.004", on=date(2022, 1, 1)) == "A0"
    assert cl.pay_group("01.005", on=date(2020, 1, 1)) == "C1"
    assert cl.pay_group("01.005", on=date(2022, 1, 1)) == "B"
    assert cl.pay_group("01.003") == "A1"
    assert cl.pay_group("99.999") is None
    assert cl.label("rank", "01.004") == "Cán sự"
    assert cl.coefficient("A1", 3) == Decimal("3.00")
    assert cl.coefficient("A0", 10) == Decimal("4.89")
    assert cl.coefficient("B", 12) == Decimal("4.06")
    assert cl.coefficient("C1", 12) == Decimal("3.63")
    assert cl.coefficient("CGCC", 3) == Decimal("10.00")
    assert cl.coefficient("A1", 10) is None
    assert cl.coefficient("A1", 1, on=date(2000, 1, 1)) is None  # before NĐ 204/2004
    a0 = cl.steps("A0")
    assert [s.step for s in a0] == list(range(1, 11)) and a0[0].coefficient == Decimal("2.10")
    assert all(s.interval_months == 36 for s in a0)
    assert cl.coefficient(cl.pay_group("01.004", on=date(2022, 1, 1)), 1) == Decimal("2.10")


def test_lookups_make_one_query_per_list(app, db, loaded):
    """A request reads a list once (plus one fingerprint of the tables); later requests of this process reuse
    it while the tables are unchanged, and see an edit at once."""
    from flask import g
    from sqlalchemy import event, update

    from models.codes import CodeItem

    statements = []

    def count(*_args):
        statements.append(1)

    def lookups():
        for code in ("01", "02", "08", "55", "zz") * 20:
            cl.label("ethnicity", code)
            cl.is_valid("ethnicity", code)
            cl.resolve("ethnicity", code)

    cl.clear_cache()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        lookups()
        assert len(statements) == 3  # the fingerprint, the list and its aliases
        statements.clear()
        g.pop("_code_lists_cache")  # the next request
        lookups()
        assert len(statements) == 1  # the fingerprint only
        name = cl.label("ethnicity", "01")
        db.session.execute(update(CodeItem).where(CodeItem.kind == "ethnicity", CodeItem.code == "01")
                           .values(name=name + " (sửa)"))
        g.pop("_code_lists_cache")
        assert cl.label("ethnicity", "01") == name + " (sửa)"
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
        db.session.rollback()
        cl.clear_cache()


# --------------------------------------------------------------------------- CLI


def test_cli_load_and_show(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["code-lists", "load"])
    assert result.exit_code == 0, result.output
    assert "ethnicity" in result.output and "55" in result.output
    assert "Dân tộc" in result.output
    again = runner.invoke(args=["code-lists", "load"])
    assert "0 row(s) created, 0 updated." in again.output

    shown = runner.invoke(args=["code-lists", "show", "ethnicity"])
    assert shown.exit_code == 0, shown.output
    assert "HMông" in shown.output and "QĐ 121-TCTK/PPCĐ" in shown.output

    old = runner.invoke(args=["code-lists", "show", "province", "--on", "2024-01-01"])
    assert "Bình Dương" in old.output and "2025-06-30" in old.output
    new = runner.invoke(args=["code-lists", "show", "province", "--on", "2026-01-01"])
    assert "Bình Dương" not in new.output and "2025-07-01" in new.output

    salary = runner.invoke(args=["code-lists", "show", "salary"])
    assert salary.exit_code == 0 and "4.89" in salary.output

    bad = runner.invoke(args=["code-lists", "show", "nope"])
    assert bad.exit_code != 0
    bad_day = runner.invoke(args=["code-lists", "show", "province", "--on", "2024-13-01"])
    assert bad_day.exit_code != 0
