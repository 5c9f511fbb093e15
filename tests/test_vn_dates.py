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
