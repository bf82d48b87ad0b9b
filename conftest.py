import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- browser tests (pytest -m browser) -------------------------------------------------------
# Debian's chromium driven by Playwright for Python; Playwright's own browsers are never downloaded.

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium(monkeypatch):
    """A headless chromium. Missing chromium skips the test, except on CI, where it fails."""
    import os

    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing on CI: run scripts/install_system_deps.sh")
        pytest.skip("chromium not installed: run scripts/install_system_deps.sh")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls
    # (fixtures, assertions) are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium):
    """Make a page: `browser_page(width=375, height=800, locale="zh-CN")`; closed after the test."""
    contexts = []

    def make(*, width=1280, height=900, locale="zh-CN", mobile=False):
        context = chromium.new_context(
            viewport={"width": width, "height": height},
            locale=locale,  # also the Accept-Language header, which picks the page language
            is_mobile=mobile,
            has_touch=mobile,
            device_scale_factor=2 if mobile else 1,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    # Leave every page first, and give the live server a moment: a page's timer (a study
    # heartbeat) may have a request in flight, which must not meet the test database's rollback.
    import time

    for context in contexts:
        for page in context.pages:
            page.goto("about:blank")
    if contexts:
        time.sleep(0.3)
    for context in contexts:
        context.close()
