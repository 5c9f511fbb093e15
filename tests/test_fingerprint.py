"""The incremental fingerprint of the tests that check "nothing changed" (``tests/url_routes.fingerprint``): it
must see every change a full fingerprint sees, whoever makes it, while reading again only the tables written."""

from sqlalchemy import text

from tests import url_routes
from tests.url_routes import fingerprint


def _full(session, tables):
    url_routes._SUMS.clear()
    return fingerprint(session, only=tables)


def test_incremental_fingerprint_sees_every_change(app, demo):
    db = demo
    tables = None  # every app table
    first = fingerprint(db.session)
    assert first == _full(db.session, tables)
    # A write through the app's session, and one through another connection (as a live server's thread makes).
    db.session.execute(text("UPDATE org_unit SET address = 'Số 1 Tràng Thi' WHERE id = (SELECT min(id) FROM org_unit)"))
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO workday_override (day, kind, reason, created_at) "
                          "VALUES ('2031-01-02', 'off', 'thử', now())"))
    second = fingerprint(db.session)
    assert {t for t in first if first[t] != second[t]} == {"org_unit", "workday_override"}
    assert second == _full(db.session, tables)
    # Only the tables written since are read again; a statement that changes nothing changes no sum.
    reads = []
    real = db.session.execute

    def counting(statement, *a, **k):
        reads.append(str(statement))
        return real(statement, *a, **k)

    db.session.execute(text("UPDATE person SET status = status WHERE false"))
    db.session.commit()
    db.session.execute = counting
    try:
        third = fingerprint(db.session)
    finally:
        db.session.execute = real
    summed = [s for s in reads if "string_agg" in s]
    assert len(summed) == 1 and '"person"' in summed[0] and '"org_unit"' not in summed[0]
    assert third == second


def test_a_reset_makes_the_next_fingerprint_read_everything_again(app, demo):
    """The reset between tests refills tables with the trigger off: the generation it bumps makes the kept sums
    stale (a reset's own refill would otherwise go unseen)."""
    db = demo
    before = fingerprint(db.session)
    generation = db.session.execute(text("SELECT last_value FROM testsnap.generation")).scalar()
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # as the reset writes: no trigger
        conn.execute(text("UPDATE org_unit SET address = 'Số 2 Tràng Thi' WHERE id = (SELECT min(id) FROM org_unit)"))
    assert fingerprint(db.session) == before  # unseen without a new generation: the kept sums are used
    db.session.execute(text("SELECT nextval('testsnap.generation')"))
    db.session.commit()
    assert db.session.execute(text("SELECT last_value FROM testsnap.generation")).scalar() > generation
    after = fingerprint(db.session)
    assert after["org_unit"] != before["org_unit"]
    with db.engine.begin() as conn:  # noted, so that the next test's reset refills org_unit from its snapshot
        conn.execute(text("UPDATE org_unit SET address = address WHERE false"))
