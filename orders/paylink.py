"""The signed "pay now" link of the order-placed email: it opens the payment page in any browser.

The link carries the order number signed with the site's secret (``django.core.signing``, with
its own salt, so no other signed value of the store passes for one), and a time stamp: it is good
for the payment window and a little after (``PAYMENT_TIMEOUT_MINUTES`` + ``GRACE_MINUTES``), and
leads to the order only while the order is still 待付款 (the payment page checks). Whoever holds
the email may pay the order, exactly as whoever holds the number and the email address may look
it up at /track/; nothing else about the order is opened by it.

Here, not in ``orders.payments``, because the order email (``orders.emails``) makes the link and
nothing of ``orders`` outside payments reaches payments.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.http import urlencode

SALT = "orders.paylink"
PARAM = "link"  # the payment page's query parameter that carries it
GRACE_MINUTES = 60


def make_token(order) -> str:
    return signing.dumps(str(order.number), salt=SALT, compress=False)


def order_number(token: str) -> str | None:
    """The order number a token was made for, or None when it is forged, altered or too old."""
    if not token or len(token) > 300:
        return None
    max_age = (settings.PAYMENT_TIMEOUT_MINUTES + GRACE_MINUTES) * 60
    try:
        number = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.BadSignature:  # (SignatureExpired is one)
        return None
    return number if isinstance(number, str) else None


def pay_path(order) -> str:
    """The payment page's path with the signed token, for the email (the site's host prefixed)."""
    path = reverse("payments:pay", kwargs={"number": order.number})
    return f"{path}?{urlencode({PARAM: make_token(order)})}"
