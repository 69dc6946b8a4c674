"""Login throttling (django-axes), two-factor login (django-otp) for the roles that see personal
data, and the Content-Security-Policy (django-csp)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cooperatives.services import add_cooperative_manager
from impact.models import OfficialScope
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _login(client, email, password, next_url=""):
    return client.post(
        LOGIN + (f"?next={next_url}" if next_url else ""),
        {"login-username": email, "login-password": password, "login_submit": "Log In"},
    )


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Login throttling ---------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_from_that_address(client, settings):
    user = UserFactory(email="buyer@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(client, user.email, "wrong-password")
        assert response.status_code == 200  # the form again, with its error
        assert not _signed_in(client)
    locked = _login(client, user.email, "wrong-password")
    assert locked.status_code == 429
    assert "密码错误次数过多" in locked.content.decode()
    # Even the right password is refused while locked: that is what stops guessing.
    again = _login(client, user.email, PASSWORD)
    assert again.status_code == 429
    assert not _signed_in(client)

    # Another account from the same address is not locked (many phones share an address).
    other = UserFactory(email="neighbour@example.com")
    assert _login(client, other.email, PASSWORD).status_code == 302
    assert _signed_in(client)


def test_the_lock_lifts_after_the_cool_off(client, settings):
    user = UserFactory(email="buyer@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, user.email, "wrong-password")
    assert _login(client, user.email, PASSWORD).status_code == 429
    later = timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert _login(client, user.email, PASSWORD).status_code == 302
    assert _signed_in(client)


def test_the_account_name_is_matched_whatever_its_case(client, settings):
    user = UserFactory(email="buyer@example.com")
    for i in range(settings.AXES_FAILURE_LIMIT):
        name = user.email.upper() if i % 2 else user.email
        _login(client, name, "wrong-password")
    assert _login(client, user.email, PASSWORD).status_code == 429


def test_admin_login_is_throttled_too(client, settings):
    admin = UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": admin.username, "password": "nope"})
    response = client.post("/admin/login/", {"username": admin.username, "password": PASSWORD})
    assert response.status_code == 429


def test_a_successful_login_resets_the_count(client, settings):
    user = UserFactory(email="buyer@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, user.email, "wrong-password")
    assert _login(client, user.email, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, user.email, "wrong-password")
    assert _login(client, user.email, PASSWORD).status_code == 302


def test_a_stray_login_field_does_not_give_admin_guesses_fresh_counts(client, settings):
    """/admin/ checks ``username``: a changing ``login-username`` beside it must not make each
    guess a new account in the count."""
    admin = UserFactory(username="boss", email="boss@example.com", is_staff=True)
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/admin/login/", {"username": "boss", "password": "nope", "login-username": f"r{i}"}
        )
    response = client.post("/admin/login/", {"username": admin.username, "password": PASSWORD})
    assert response.status_code == 429


def test_email_and_username_count_as_one_account(client, settings):
    admin = UserFactory(username="boss", email="boss@example.com", is_staff=True)
    for i in range(settings.AXES_FAILURE_LIMIT):
        if i % 2:
            _login(client, admin.email, "wrong-password")
        else:
            client.post("/admin/login/", {"username": admin.username, "password": "nope"})
    assert _login(client, admin.email, PASSWORD).status_code == 429


@pytest.fixture
def basket_with_carrots(client, cooperative):
    from tests.factories import make_product

    carrots = make_product(cooperative, title="察右中旗胡萝卜", price="29.90")
    client.post(f"/basket/add/{carrots.pk}/", {"quantity": 1})
    return carrots


def test_signing_in_at_checkout_is_the_throttled_login_page(client, settings, basket_with_carrots):
    """The checkout takes no password of its own (Oscar's did, on its first step): it links to
    the login page, where guessing is throttled, and comes back to the checkout."""
    buyer = UserFactory(email="buyer@example.com")
    page = client.get("/checkout/").content.decode()
    assert 'type="password"' not in page
    assert f'href="{LOGIN}?next=/checkout/"' in page
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, buyer.email, "wrong-password")
    assert _login(client, buyer.email, PASSWORD).status_code == 429
    posted = client.post(
        "/checkout/", {"username": buyer.email, "options": "existing", "password": PASSWORD}
    )
    assert posted.status_code == 200  # the old step's sign-in: only the form again
    assert not _signed_in(client)


def test_a_login_without_its_request_is_refused():
    from django.contrib.auth import authenticate

    buyer = UserFactory(email="buyer@example.com")
    assert authenticate(username=buyer.email, password=PASSWORD) is None


BEHIND_NGINX = {"REMOTE_ADDR": "127.0.0.1"}


def _login_from(client, forwarded_for, email, password):
    return client.post(
        LOGIN,
        {"login-username": email, "login-password": password, "login_submit": "Log In"},
        HTTP_X_FORWARDED_FOR=forwarded_for,
        **BEHIND_NGINX,
    )


def test_behind_nginx_a_lockout_is_the_guessers_address_only(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    victim = UserFactory(email="victim@example.com")
    for i in range(settings.AXES_FAILURE_LIMIT):
        # Whatever the guesser writes into the header, nginx appends the real address.
        _login_from(client, f"10.9.9.{i}, 198.51.100.9", victim.email, "wrong-password")
    assert _login_from(client, "198.51.100.9", victim.email, PASSWORD).status_code == 429
    assert _login_from(client, "203.0.113.50", victim.email, PASSWORD).status_code == 302


def test_an_ipv6_client_counts_by_its_64(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    buyer = UserFactory(email="buyer@example.com")
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login_from(client, f"2001:db8:1:2::{i + 1:x}", buyer.email, "wrong-password")
    assert _login_from(client, "2001:db8:1:2::ffff", buyer.email, PASSWORD).status_code == 429
    assert _login_from(client, "2001:db8:1:3::1", buyer.email, PASSWORD).status_code == 302


def test_client_address_without_a_trusted_proxy_is_the_peer(rf, settings):
    from shop.security import client_ip

    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "198.51.100.7"
    settings.TRUSTED_PROXY_COUNT = 2  # a balancer, then nginx
    request = rf.get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7, 10.0.0.5"
    )
    assert client_ip(request) == "198.51.100.7"


# --- Two-factor login -----------------------------------------------------------------------------


@pytest.fixture
def two_factor(settings):
    settings.TWO_FACTOR_REQUIRED = True


def _code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


@pytest.mark.parametrize("role", ["staff", "official", "manager"])
def test_roles_with_personal_data_must_enrol_then_enter_a_code(
    client, two_factor, role, cooperative
):
    user = UserFactory(email=f"{role}@example.com", is_staff=role == "staff")
    if role == "official":
        OfficialScope.objects.create(user=user, kind=OfficialScope.Kind.REGION)
    if role == "manager":
        add_cooperative_manager(cooperative, user)
    target = {
        "staff": "/dashboard/",
        "official": "/impact/",
        "manager": "/dashboard/cooperatives/sales/",
    }[role]

    response = _login(client, user.email, PASSWORD, next_url=target)
    assert response.status_code == 302
    page = client.get(target)
    assert page.status_code == 302 and page.url.startswith("/accounts/two-factor/?next=")

    setup = client.get(page.url)
    html = setup.content.decode()
    assert "<svg" in html and 'id="two-factor-secret"' in html
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    wrong = client.post(page.url, {"code": "000000" if _code(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    assert client.get(target).status_code == 302  # still owes a code

    device.refresh_from_db()
    device.throttling_failure_count = 0  # the wrong code above started django-otp's back-off
    device.throttling_failure_timestamp = None
    device.save()
    confirmed = client.post(page.url, {"code": _code(device)})
    assert confirmed.status_code == 302 and confirmed.url == target
    assert client.get(target).status_code == 200
    assert TOTPDevice.objects.get(user=user).confirmed

    # Next sign-in: the code of the enrolled device, not a new enrolment.
    client.logout()
    _login(client, user.email, PASSWORD)
    page = client.get(target)
    assert page.url.startswith("/accounts/two-factor/verify/")
    with time_machine.travel(timezone.now() + timedelta(seconds=60), tick=False):
        assert client.post(page.url, {"code": _code(device)}).status_code == 302
        assert client.get(target).status_code == 200


def test_each_visit_to_the_setup_page_shows_a_new_key(client, two_factor):
    staff = UserFactory(email="staff@example.com", is_staff=True)
    client.force_login(staff)
    first = client.get("/accounts/two-factor/")
    key_seen_earlier = TOTPDevice.objects.get(user=staff, confirmed=False).key
    second = client.get("/accounts/two-factor/")
    assert first.status_code == second.status_code == 200
    assert TOTPDevice.objects.filter(user=staff).count() == 1
    device = TOTPDevice.objects.get(user=staff)
    assert device.key != key_seen_earlier
    assert client.post("/accounts/two-factor/", {"code": _code(device)}).status_code == 302
    assert TOTPDevice.objects.get(user=staff).confirmed


def test_customers_are_not_asked_for_a_code(client, two_factor):
    customer = UserFactory(email="buyer@example.com")
    assert _login(client, customer.email, PASSWORD).status_code == 302
    assert client.get("/accounts/profile/").status_code == 200
    assert not TOTPDevice.objects.filter(user=customer).exists()


def test_a_role_given_mid_session_is_asked_at_the_dashboard(client, two_factor, cooperative):
    user = UserFactory(email="new-manager@example.com")
    client.force_login(user)
    assert client.get("/accounts/profile/").status_code == 200
    add_cooperative_manager(cooperative, user)
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response.url.startswith("/accounts/two-factor/")


def test_wrong_codes_are_throttled(client, two_factor):
    staff = UserFactory(email="staff@example.com", is_staff=True)
    device = TOTPDevice.objects.create(user=staff, name="authenticator", confirmed=True)
    client.force_login(staff)
    for _ in range(3):
        client.post("/accounts/two-factor/verify/", {"code": "000000"})
    right = client.post("/accounts/two-factor/verify/", {"code": _code(device)})
    assert right.status_code == 200
    assert "稍等" in right.content.decode() or "Wait" in right.content.decode()
    assert client.get("/dashboard/").status_code == 302


def test_the_code_pages_only_send_back_to_this_site(client, two_factor):
    staff = UserFactory(email="staff@example.com", is_staff=True)
    device = TOTPDevice.objects.create(user=staff, name="authenticator", confirmed=True)
    client.force_login(staff)
    response = client.post(
        "/accounts/two-factor/verify/?next=https://evil.example/", {"code": _code(device)}
    )
    assert response.status_code == 302 and response.url == "/"


# --- Content-Security-Policy ----------------------------------------------------------------------


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


def test_pages_carry_a_policy_whose_nonce_matches_the_inline_script(client, cooperative):
    response = client.get("/")
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    nonces = set(re.findall(r'<script nonce="([^"]+)"', response.content.decode()))
    assert len(nonces) == 1
    assert f"'nonce-{nonces.pop()}'" in policy["script-src"]


def test_each_response_gets_a_fresh_nonce(client):
    first = _policy(client.get("/"))["script-src"]
    second = _policy(client.get("/"))["script-src"]
    assert [s for s in first if "nonce" in s] != [s for s in second if "nonce" in s]


def test_the_policy_lets_stripe_and_the_livestream_hosts_in(client, settings):
    settings.STRIPE_API_BASE = "https://api.stripe.com"
    settings.STRIPE_JS_URL = "https://js.stripe.com/v3/"
    settings.LIVESTREAM_ALLOWED_HOSTS = [".cdn.jingmeng.example", "live.jingmeng.example"]
    policy = _policy(client.get("/"))
    assert "https://js.stripe.com" in policy["script-src"]
    assert "https://js.stripe.com" in policy["frame-src"]
    assert "https://api.stripe.com" in policy["connect-src"]
    for source in ("https://*.cdn.jingmeng.example", "https://live.jingmeng.example"):
        assert source in policy["media-src"] and source in policy["connect-src"]
    assert "blob:" in policy["media-src"]  # hls.js plays through MediaSource blobs


def test_cached_pages_get_their_own_nonce(client, settings, cooperative):
    settings.PAGE_CACHE_SECONDS = 30
    client.get("/")  # stored
    for _ in range(2):
        client.cookies.clear()
        response = client.get("/")
        assert response["X-Page-Cache"] == "hit"
        nonce = re.search(r'<script nonce="([^"]+)"', response.content.decode()).group(1)
        assert f"'nonce-{nonce}'" in _policy(response)["script-src"]
        assert "__csp_nonce_placeholder__" not in response.content.decode()


def test_inline_handlers_in_templates_are_all_allowed_by_hash():
    """Every on…="…" handler in our templates and Oscar's has its hash in the policy."""
    from pathlib import Path

    import oscar

    from shop.security import INLINE_HANDLERS

    handler = re.compile(r'\son[a-z]+="([^"{]*)"')
    roots = [Path("templates"), Path(oscar.__file__).parent / "templates"]
    found = {
        match
        for root in roots
        for path in root.rglob("*.html")
        for match in handler.findall(path.read_text(encoding="utf-8"))
    }
    found.discard("")
    assert found <= set(INLINE_HANDLERS), found - set(INLINE_HANDLERS)
