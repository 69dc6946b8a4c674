"""Site-wide protections: the Content-Security-Policy, two-factor login for the roles that see
personal data, and the login-throttling user name.

- CSP (django-csp): scripts only from this site, with a per-response nonce for the inline
  ``<script>`` blocks Oscar's templates are built on, plus Stripe.js; the Stripe and livestream
  origins come from the settings at each response (tests point Stripe at a local server).
- Two-factor (django-otp, TOTP): staff, officials and cooperative managers see households'
  personal data, so once signed in they must also prove a code from their authenticator app before
  any page; the first time, they enrol one (``shop/two_factor.py``).
"""

import base64
import hashlib
import ipaddress
from urllib.parse import urlsplit

from axes.backends import AxesStandaloneBackend
from csp.constants import UNSAFE_HASHES
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from livestream import hosts as livestream_hosts

# Inline event handlers in Oscar's templates (and a few of ours). CSP blocks handlers unless each
# one's exact text is allowed by hash under 'unsafe-hashes'; anything else inline stays blocked.
INLINE_HANDLERS = [
    "history.go(-1);return false",
    "window.history.go(-1);return false",
    "javascript:history.go(-1);",
    "window.close();return false;",
    "window.print()",
    "this.form.submit()",
    "this.form.county.value='';this.form.submit()",
    "window.location.href='/basket/';",
]


def _hash(source: str) -> str:
    digest = hashlib.sha256(source.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


INLINE_HANDLER_HASHES = [UNSAFE_HASHES, *(_hash(h) for h in INLINE_HANDLERS)]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def dynamic_sources() -> dict[str, list[str]]:
    """What the policy adds from the settings in force: Stripe and the livestream hosts."""
    stripe_api = _origin(settings.STRIPE_API_BASE)
    stripe_js = _origin(settings.STRIPE_JS_URL)
    stripe = sorted({stripe_api, stripe_js})
    stripe_frames = sorted(
        {stripe_js, "https://hooks.stripe.com"} if "stripe.com" in stripe_js else {stripe_js}
    )
    streams = livestream_hosts.csp_sources()  # what the stream address validator allows

    return {
        "script-src": [stripe_js, *INLINE_HANDLER_HASHES],
        "frame-src": stripe_frames,
        "connect-src": [*stripe, *streams],
        "media-src": streams,
        "img-src": [*settings.MEDIA_ORIGINS, *stripe],
    }


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the sources that depend on settings added per response."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only:
            parts.update = {**dynamic_sources(), **(parts.update or {})}
        return parts


# --- Two-factor login -------------------------------------------------------------------------

SESSION_KEY = "_two_factor_role"
# Where a user who still owes a code may go: the code pages themselves, signing out, and what
# every page needs to load.
TWO_FACTOR_PREFIX = "/accounts/two-factor/"
EXEMPT_PREFIXES = ("/static/", "/media/", "/healthz", "/readyz", "/i18n/", "/favicon")
# Paths where the role matters most are re-checked on every request (a role given mid-session).
SENSITIVE_PREFIXES = ("/dashboard/", "/impact/", "/admin/")


def requires_two_factor(user) -> bool:
    """Staff, officials and cooperative managers: the roles that reach personal data."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    from impact.models import OfficialScope

    return (
        OfficialScope.objects.filter(user=user).exists()
        or user.groups.filter(name=settings.OFFICIALS_GROUP).exists()
        or user.partners.exists()
    )


def _needs_code(request) -> bool:
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    cached = request.session.get(SESSION_KEY)
    if cached is None or request.path.startswith(SENSITIVE_PREFIXES):
        cached = requires_two_factor(user)
        if request.session.get(SESSION_KEY) != cached:
            request.session[SESSION_KEY] = cached
    return cached


class TwoFactorRequiredMiddleware:
    """After django-otp's OTPMiddleware: send a signed-in user who owes a code to enter it (or to
    enrol an authenticator first). Off where ``TWO_FACTOR_REQUIRED`` is false (the demo, unit
    tests)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.TWO_FACTOR_REQUIRED and not self._exempt(request.path) and _needs_code(request):
            from django_otp.plugins.otp_totp.models import TOTPDevice

            enrolled = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
            target = reverse("two-factor-verify" if enrolled else "two-factor-setup")
            query = (
                {REDIRECT_FIELD_NAME: request.get_full_path()} if request.method == "GET" else {}
            )
            return redirect(f"{target}?{urlencode(query)}" if query else target)
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        return path.startswith((*EXEMPT_PREFIXES, TWO_FACTOR_PREFIX)) or path == reverse(
            "customer:logout"
        )


def client_ip(request) -> str:
    """The client's address as the nearest trusted proxy saw it ("" if there is none).

    Behind ``TRUSTED_PROXY_COUNT`` proxies that each append to X-Forwarded-For (nginx's
    ``$proxy_add_x_forwarded_for``), the client is the entry that many places from the right:
    whatever a client writes into the header itself sits further left and is ignored. With no
    proxy, the peer address. IPv6 addresses are reduced to their /64 (one subscriber's
    allocation), so rotating addresses inside it does not buy fresh attempts.
    """
    address = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [h for h in forwarded if h]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:  # no address at all (a request made in code), or not one
        return ""
    if parsed.version == 6:
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def axes_client_ip(request) -> str | None:
    """None when there is no address (axes stores it in an IP address column)."""
    return getattr(request, "client_ip", None) or client_ip(request) or None


class ClientAddressMiddleware:
    """Sets ``request.client_ip`` (``client_ip``) for whatever throttles by client: login
    (django-axes), the guest order look-up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.client_ip = client_ip(request)
        return self.get_response(request)


def login_username(request, credentials) -> str | None:
    """django-axes: one key per account, whatever name a login was tried with.

    The name comes from the credentials the login form passed to ``authenticate()`` (the field
    it really checked; a stray extra POST field cannot change it). Customers sign in with their
    email and staff in /admin/ with their username, and on success axes passes the username: so
    a name that belongs to an account becomes that account's key, and a name that belongs to
    none stays itself (guesses at unknown accounts are throttled too).
    """
    credentials = credentials or {}
    if credentials.get("phone"):  # a text-message code (shop/phone_login.py)
        return phone_username(str(credentials["phone"]))
    name = credentials.get("username") or credentials.get("email")
    if not name and request is not None and request.method == "POST":
        name = request.POST.get("login-username") or request.POST.get("username")
    if not name:
        return None
    name = str(name).strip()
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    accounts = list(
        get_user_model()
        .objects.filter(Q(email__iexact=name) | Q(username=name))
        .values_list("pk", flat=True)[:2]
    )
    return f"account:{accounts[0]}" if len(accounts) == 1 else name.lower()


def phone_username(number: str) -> str:
    """django-axes' key for a sign-in by mobile number: its account's (wrong codes and wrong
    passwords count together), else a keyed hash of the number (the attempts table keeps no
    phone numbers)."""
    from django.utils.crypto import salted_hmac

    from .models import PhoneAccount

    number = number.strip()
    account = PhoneAccount.objects.filter(number=number).values_list("user_id", flat=True).first()
    if account is not None:
        return f"account:{account}"
    return "phone:" + salted_hmac("shop.security.phone", number).hexdigest()[:32]


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' check, with no way around it: a login without its request (no client to
    throttle) is refused. Every web login form passes one; Oscar's checkout form did not, and
    gets it from ``orders.checkout.views.IndexView``. Code that signs in without a web request
    (tests) passes an ``HttpRequest()`` of its own."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            raise PermissionDenied("A login without its request cannot be throttled.")
        return super().authenticate(request, username, password, **kwargs)


def locked_out(request, credentials=None, *args, **kwargs):
    """django-axes' lockout answer: a Chinese page, 429, that says for how long."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "shop/locked_out.html", {"cooloff_minutes": minutes}, status=429)
