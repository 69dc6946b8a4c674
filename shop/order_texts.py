"""Order notifications by text message, for buyers with no email address.

The order emails' tasks (``orders.emails``, after the step's commit) send
``orders.signals.order_notice_without_email`` in place of the placed (while unpaid), paid and
shipped emails when the buyer has no email address: a guest who gave only a mobile number, or an
account made by signing in with a text-message code that has not added one. Here the buyer is
texted through the store's SMS provider (``shop.sms.send_notification``). A buyer with an email
gets the email only (no double notification).

The number: the account's own, proven by a sign-in code (``PhoneAccount``), else the order's
delivery mobile (what a guest gave, and what /track/ finds the order by). ``SMS_BACKEND=none``
texts nobody. A provider failure is logged (the number masked, as every log line's) and the order
stands: the text is not retried, as the order emails' task does not fail for it.
"""

import logging

from django.core.exceptions import ValidationError
from django.dispatch import receiver

from orders.address.chinese import normalise_mainland_mobile
from orders.signals import order_notice_without_email

from . import sms
from .models import PhoneAccount

logger = logging.getLogger(__name__)


@receiver(order_notice_without_email, dispatch_uid="shop.text_order_notice")
def text_order_notice(sender, order, event, params, mobile="", **kwargs) -> bool:
    """Text the buyer of ``order`` the notification ``event``; True when a text went out."""
    if not sms.enabled():
        return False
    number = buyer_number(order, mobile)
    if not number:
        logger.info("Order %s: no mobile number to text the %s notice to", order.number, event)
        return False
    try:
        sent = sms.send_notification(number, event, params)
    except sms.SmsError as error:
        # The provider's answer, never the number (SmsError's texts do not carry it).
        logger.error("Order %s: %s text message not sent: %s", order.number, event, error)
        return False
    if sent:
        logger.info("Order %s: %s text message sent", order.number, event)
    return sent


def buyer_number(order, mobile: str) -> str:
    """The ``+86…`` number to text: the account's proven one, else the delivery mobile."""
    if order.user_id is not None:
        account = PhoneAccount.objects.filter(user_id=order.user_id).only("number").first()
        if account is not None:
            return account.number
    try:
        return "+86" + normalise_mainland_mobile(mobile or "")
    except ValidationError:
        return ""
