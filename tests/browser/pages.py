"""What the browser tests share: signing in through the real login form."""

import re

from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

__all__ = ["sign_in"]


def sign_in(page: Page, live_server: str, username: str) -> None:
    """Sign ``username`` in through the login page; fails if the login page comes back."""
    page.goto(live_server + "/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.locator("#username").press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login/"))
