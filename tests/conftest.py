"""Shared fixtures. Service-backed tests skip with a reason when the service is absent, except
under CI (CI=true), where every service must be there and a missing one fails the run."""

import os
import shutil

import pytest
from django.contrib.auth.models import Group
from oscar.apps.catalogue.categories import create_from_breadcrumbs
from oscar.core.loading import get_model

from cooperatives.services import add_cooperative_manager

from .factories import CooperativeFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def require_service(available: bool, reason: str):
    """Skip when a service is missing on a developer's machine; fail when it is missing in CI."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI must have it; see .ci/run)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded and generated files go to a temporary folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def sms_console(settings):
    """Text messages go to the console backend, whose outbox (in this process, the live
    server's too) starts and ends empty."""
    from shop import sms

    settings.SMS_BACKEND = "console"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def cooperative(db):
    return CooperativeFactory()


@pytest.fixture
def other_cooperative(db):
    return CooperativeFactory()


@pytest.fixture
def manager(cooperative):
    user = UserFactory(email="manager@example.com")
    add_cooperative_manager(cooperative, user)
    return user


@pytest.fixture
def other_manager(other_cooperative):
    user = UserFactory(email="other-manager@example.com")
    add_cooperative_manager(other_cooperative, user)
    return user


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True, email="staff@example.com")


@pytest.fixture
def consumer(db):
    return UserFactory(email="consumer@example.com")


@pytest.fixture
def official(db):
    user = UserFactory(email="official@example.com")
    user.groups.add(Group.objects.get_or_create(name="帮扶干部")[0])
    return user


@pytest.fixture
def china(db):
    """China as the shipping country (a data migration makes it; transactional tests flush it)."""
    Country = get_model("address", "Country")
    return Country.objects.update_or_create(
        iso_3166_1_a2="CN",
        defaults={
            "iso_3166_1_a3": "CHN",
            "iso_3166_1_numeric": "156",
            "printable_name": "中国",
            "name": "中华人民共和国",
            "is_shipping_country": True,
        },
    )[0]


@pytest.fixture
def vegetables(db):
    return create_from_breadcrumbs("蔬菜")


@pytest.fixture
def chromium_path():
    available = bool(shutil.which(CHROMIUM) or os.path.exists(CHROMIUM))
    require_service(available, f"Chromium not found at {CHROMIUM}; install Debian's chromium")
    return CHROMIUM


def configure_celery(**conf):
    """Change the Celery app's configuration for a test, and forget the broker connections,
    queues and routes it made from the configuration before.

    Celery makes its producer pool and its routing (``app.amqp``: the default queue, the
    router) once, from the configuration at the time, and keeps them: a test that only sets
    ``broker_url`` or ``task_default_queue`` would still publish with what an earlier test's
    publish made (with no REDIS_URL, to the in-memory transport's "celery" queue, where no
    worker listens). Returns what to pass back to put the configuration back."""
    from shop.celery import app

    saved = {key: app.conf[key] for key in conf}
    app.conf.update(conf)
    app._pool = None
    app.__dict__.pop("amqp", None)  # a cached property: made again from the new configuration
    return saved


@pytest.fixture(scope="session", autouse=True)
def _eager_celery():
    """Unit tests run Celery tasks in-process; integration tests start a real worker themselves."""
    from shop.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's Chromium (Playwright cannot download its own here)."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A phone: most Beijing shoppers buy on one."""
    return {
        **browser_context_args,
        "viewport": {"width": 390, "height": 844},
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "is_mobile": True,
        "has_touch": True,
    }


def pytest_collection_modifyitems(config, items):
    """Real-browser tests last: Playwright's event loop outlives them (see tests/browser)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_server():
    """A real localstripe server (the project's launcher, bound to 127.0.0.1) for the session."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = _free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "orders.payments.localstripe_server", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/js.stripe.com/v3/", timeout=1)  # noqa: S310
            break
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    else:
        process.kill()
    require_service(process.poll() is None, "localstripe did not start (pip install localstripe)")
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def stripe_server(localstripe_server, settings):
    """Point the store's Stripe client and Stripe.js at localstripe for one test."""
    settings.STRIPE_API_BASE = localstripe_server
    settings.STRIPE_JS_URL = f"{localstripe_server}/js.stripe.com/v3/"
    return localstripe_server
