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
