"""Issue 15 item 5 in real headless Chromium: the administrator's navbar (the longest menu) fits one line on a
1366×768 laptop screen, and switching the language keeps the page the user was on."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import sign_in
from tests.factories import shot

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A common office laptop: 1366×768, vi-VN, Việt Nam time."""
    return {**browser_context_args, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh",
            "viewport": {"width": 1366, "height": 768}}


def navbar_lines(page: Page) -> dict:
    """The navbar's height, the height of one line of it and the tops of its menu entries."""
    return page.evaluate("""() => {
        const bar = document.querySelector('.navbar');
        const items = [...bar.querySelectorAll('.navbar-nav > li')].filter(li => li.offsetParent !== null);
        return {height: bar.getBoundingClientRect().height,
                tops: [...new Set(items.map(li => Math.round(li.getBoundingClientRect().top)))],
                brand: document.querySelector('.navbar-header').getBoundingClientRect().height};
    }""")


@pytest.mark.parametrize("username", ["sonoivu.admin", "syt.tccb", "annv.syt"])
def test_the_navbar_fits_one_line_at_1366_px(page: Page, live_server, db, js_errors, username):
    """Every top-level entry (menus, language, bell, user) sits on one line and the bar is one line high
    (Bootstrap's 50 px plus its border); the administrator has the most menus."""
    sign_in(page, live_server, username)
    page.goto(f"{live_server}/notifications/")
    page.wait_for_load_state()
    lines = navbar_lines(page)
    if username == "sonoivu.admin":
        shot(page, "navbar-1366-admin.png")
    assert len(lines["tops"]) == 1 and lines["height"] <= 52, lines


def test_switching_language_keeps_the_page(page: Page, live_server, db, js_errors):
    """On a filtered people list, the language menu's other language reloads the same page (same address,
    same filter) in that language, and back."""
    sign_in(page, live_server, "syt.tccb")
    page.goto(f"{live_server}/people/?q=nguyen")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.locator(".navbar-right .dropdown-toggle .flag").click()
    page.locator('a.locale-link[data-locale="en"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.wait_for_load_state()
    assert page.url == f"{live_server}/people/?q=nguyen"
    shot(page, "people-en.png")
    lines = navbar_lines(page)
    assert len(lines["tops"]) == 1, lines  # the English labels fit as well (a TCCB officer's menus)
    page.locator(".navbar-right .dropdown-toggle .flag").click()
    page.locator('a.locale-link[data-locale="vi"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.wait_for_load_state()
    assert page.url == f"{live_server}/people/?q=nguyen"


@pytest.mark.parametrize("username,landing", [("sonoivu.admin", "/org/tree"), ("syt.thutruong", "/dashboard/"),
                                              ("syt.tccb", "/people/"), ("xem.baocao", "/dashboard/")])
def test_each_role_lands_on_its_work_after_login(page: Page, live_server, db, js_errors, username, landing):
    """Issue 15 item 5, issue 17 item 5: signing in through the login form takes each role to its work — heads and
    report viewers to the dashboard, officers to their people list, Sở Nội vụ's administrators to the org tree
    (staff to their own file: tests/browser/test_personnel_browser.py)."""
    sign_in(page, live_server, username)
    expect(page).to_have_url(re.compile(re.escape(landing) + r"$"))
    expect(page.locator("h1, h2").first).to_be_visible()
