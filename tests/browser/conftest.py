"""Browser tests: a real Chromium (Debian's /usr/bin/chromium) driven by Playwright against Django's live server.

Fixtures:
- `browser`: one Chromium for the whole run. Missing Chromium skips the tests with the reason, or fails them
  when ALLABOARD_REQUIRE_BROWSER=1 (CI sets it, so a broken CI machine cannot pass by skipping).
- `page` (desktop, 1280x800) and `phone_page` (390x844, touch): a fresh context each, pointed at the live
  server; a JavaScript error or a failed request for one of our own files fails the test.
- `demo`: the foundation chapters of the real demo story (Brightwater Utilities: org, then programmes),
  with the demo logins. The whole demo (every capability) takes minutes, the foundation chapters seconds.
- `login(page, username)`: log in through the login form with the demo password.
- `screenshot(page, name)`: writes docs/images/<name>.png, only when ALLABOARD_SCREENSHOTS=1, so a CI run
  never changes the working tree.

Run: `.venv/bin/pytest tests/browser -q`; screenshots for the docs: `ALLABOARD_SCREENSHOTS=1 .venv/bin/pytest
tests/browser -q`.
"""

import importlib
import os
import random
from datetime import date
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
DEMO_TODAY = date(2026, 11, 23)  # fixed, so dates in screenshots do not move from run to run
DEMO_PASSWORD = "aboard-demo"
FOUNDATION_CHAPTERS = ["allaboard.org", "allaboard.programmes"]
TIMEOUT_MS = 30_000  # generous: CI machines can be busy


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
        if os.environ.get("ALLABOARD_REQUIRE_BROWSER") == "1":
            pytest.fail(f"ALLABOARD_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django refuses ORM calls from a thread with a
    # running loop unless told it is safe. It is: the ORM calls here are plain synchronous test code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class PageProblems:
    """JavaScript errors and failed requests for the app's own URLs, collected while a page is open."""

    def __init__(self, page, base_url: str):
        self.problems: list[str] = []
        self.base_url = base_url
        page.on("pageerror", lambda error: self.problems.append(f"JavaScript error: {error}"))
        page.on("console", self._console)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message) -> None:
        # Error pages (403/404) are expected in some tests and are logged by Chromium as failed resources;
        # responses are checked in _response, which knows the URL.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.problems.append(f"console error: {message.text}")

    def _failed(self, request) -> None:
        if request.url.startswith(self.base_url):
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response) -> None:
        # A missing stylesheet or script is a broken page, even when the page itself loads.
        if response.url.startswith(f"{self.base_url}/static/") and response.status >= 400:
            self.problems.append(f"{response.status} for {response.url}")


def _open_page(browser, live_server, **context_options):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems = PageProblems(page, live_server.url)
    return context, page, problems


@pytest.fixture
def page(browser, live_server, transactional_db):
    context, page, problems = _open_page(browser, live_server, viewport=DESKTOP)
    yield page
    context.close()
    assert not problems.problems, "\n".join(problems.problems)


@pytest.fixture
def phone_page(browser, live_server, transactional_db):
    context, page, problems = _open_page(
        browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    yield page
    context.close()
    assert not problems.problems, "\n".join(problems.problems)


@pytest.fixture
def demo(transactional_db):
    """The org and programmes chapters of the demo story, built by the real chapter code."""
    from allaboard.demo import Story

    story = Story(seed=7, size="small", today=DEMO_TODAY, password=DEMO_PASSWORD, rng=random.Random(7))
    for app in FOUNDATION_CHAPTERS:
        importlib.import_module(f"{app}.demo").build(story)
    return story


@pytest.fixture
def login():
    """login(page, "changelead"): log in through the form and wait for the home page."""

    def log_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
        page.goto("/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/login/" not in url)

    return log_in


@pytest.fixture
def screenshot():
    """screenshot(page, "home-change-lead") -> docs/images/home-change-lead.png when ALLABOARD_SCREENSHOTS=1."""

    def take(page, name: str, full_page: bool = False) -> Path | None:
        if os.environ.get("ALLABOARD_SCREENSHOTS") != "1":
            return None
        IMAGES.mkdir(parents=True, exist_ok=True)
        path = IMAGES / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
        return path

    return take
