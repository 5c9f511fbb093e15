"""Browser-test fixtures: a watcher of the page's JavaScript errors."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import TIMEOUT_MS


class BrowserErrors:
    """Console errors and uncaught exceptions seen by the page, minus responses a test expects."""

    def __init__(self):
        self.errors: list[tuple[str, str]] = []
        self.expected_urls: set[str] = set()

    def on_console(self, msg) -> None:
        url = msg.location.get("url", "")
        if msg.type == "error":
            self.errors.append((url, f"console.error: {msg.text} ({url})"))

    def on_page_error(self, exc) -> None:
        self.errors.append(("", f"pageerror: {exc}"))

    def expect_failed_load(self, url: str) -> None:
        """A test navigates to ``url`` expecting an error status: its console line is not a script error."""
        self.expected_urls.add(url)

    def unexpected(self) -> list[str]:
        return [text for url, text in self.errors if url not in self.expected_urls]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A Vietnamese user's browser: vi-VN, Việt Nam time, a desktop screen (a module may override it)."""
    return {**browser_context_args, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh",
            "viewport": {"width": 1280, "height": 900}}


@pytest.fixture()
def js_errors(page: Page):
    """Watch the page for JavaScript errors; the test fails if any happened."""
    watcher = BrowserErrors()
    page.on("console", watcher.on_console)
    page.on("pageerror", watcher.on_page_error)
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    yield watcher
    unexpected = watcher.unexpected()
    assert unexpected == [], "JavaScript errors in the browser:\n" + "\n".join(unexpected)
