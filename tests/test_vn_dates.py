"""Issue 15 item 4: dates are typed and shown as dd/mm/yyyy on the forms (never the browser's mm/dd/yyyy)."""

from tests.clients import body, client_for


def test_a_date_form_takes_and_shows_dd_mm_yyyy(app, demo):
    """The deadline calculator reads "02/01/2026" as 2 January and shows it back the same way; the ISO form
    still works (links, scripts; the box keeps what was typed); the input is a text box with a dd/mm/yyyy
    hint, not a native date input."""
    client = client_for(app, "sonoivu.admin")
    page = body(client.get("/workdays/?year=2026&start=02/01/2026&n=1"))
    assert 'id="due-result"' in page and "02/01/2026" in page
    assert 'value="02/01/2026"' in page and 'placeholder="dd/mm/yyyy"' in page and 'type="date"' not in page
    iso = body(client.get("/workdays/?year=2026&start=2026-01-02&n=1"))
    assert 'id="due-result"' in iso and "02/01/2026" in iso  # the result, in dd/mm/yyyy
    assert body(client.get("/consents/new")).count('placeholder="dd/mm/yyyy"') == 2


def test_the_workday_override_form_takes_dd_mm_yyyy(app, demo):
    """The overrides screen (a Flask-AppBuilder form) asks the day as dd/mm/yyyy, not FAB's YYYY-MM-DD date
    picker; "11/02/2027" is 11 February; the list and the edit form show it back as dd/mm/yyyy; an empty or
    impossible day is refused in Vietnamese next to the field and writes nothing."""
    from sqlalchemy import func, select

    from models.workdays import WorkdayOverride

    client = client_for(app, "sonoivu.admin")
    form = body(client.get("/workdays/overrides/add"))
    assert 'placeholder="dd/mm/yyyy"' in form and "YYYY-MM-DD" not in form and "appbuilder_date" not in form
    resp = client.post("/workdays/overrides/add", data={"day": "11/02/2027", "kind": "off", "reason": "Thông báo 1"})
    assert resp.status_code == 302
    row = demo.session.scalar(select(WorkdayOverride))
    assert row.day.isoformat() == "2027-02-11"
    listed = body(client.get("/workdays/overrides/list/"))
    assert "11/02/2027" in listed and "2027-02-11" not in listed
    assert 'value="11/02/2027"' in body(client.get(f"/workdays/overrides/edit/{row.id}"))
    for bad, message in (("", "Hãy nhập ngày."), ("31/02/2027", "Ngày không hợp lệ")):
        resp = client.post("/workdays/overrides/add", data={"day": bad, "kind": "off", "reason": "Thông báo 2"})
        assert resp.status_code == 200 and message in body(resp), bad
    assert demo.session.scalar(select(func.count()).select_from(WorkdayOverride)) == 1
