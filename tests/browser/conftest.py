import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _sync_orm_beside_playwright():
    """Sync Playwright runs an event loop in the test thread for the rest of the session, and
    Django's ORM then refuses to run unless told it is safe (it is: the loop is Playwright's).
    Browser tests run last (tests/conftest.py), so the rest of the suite runs without this."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


from tests.browser.test_payment_journey import webhooks_to_live_server  # noqa: E402, F401
from tests.livestream.conftest import carrots, host_user  # noqa: E402, F401


@pytest.fixture(autouse=True)
def _no_content_security_policy_violations(browser, monkeypatch):
    """Every page a browser test opens runs under the real Content-Security-Policy: anything it
    blocks (an inline script without the nonce, Stripe.js, the player) fails the test."""
    violations = []
    new_context = browser.new_context

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return context

    monkeypatch.setattr(browser, "new_context", watched_context)
    yield
    assert not violations, "Blocked by the Content-Security-Policy:\n" + "\n".join(violations)


VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1366, "height": 900}},
}


@pytest.fixture(params=list(VIEWPORTS))
def journey_device(request):
    """A journey run twice, on a phone (390×844) and on a desktop (1366×900): the browser
    context's arguments for each."""
    return {**VIEWPORTS[request.param], "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def device_page(browser, journey_device):
    """A page on a phone and on a desktop, in turn (see ``journey_device``)."""
    context = browser.new_context(**journey_device)
    yield context.new_page()
    context.close()
