"""After-sales (售后): a buyer asks for a refund of a paid order, or of one line of it.

``request`` records an ``AfterSalesRequest`` and sends ``after_sales_requested`` inside the same
transaction: payments (``orders.payments.receivers``) turns it into a refund request that staff
make or reject on the dashboard's order page, the refund path managers use too; a receiver that
cannot (the units are already being refunded) raises ``AfterSalesRefused`` and nothing is kept.
Staff get an email after the commit. ``refund_decided`` follows the refund's decision."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from . import statuses
from .signals import after_sales_requested

logger = logging.getLogger(__name__)

AfterSalesRequest = get_model("order", "AfterSalesRequest")
Order = get_model("order", "Order")

# Orders a buyer may ask after-sales about: paid, shipped or completed.
ALLOWED_STATUSES = statuses.PAID_STATUSES


class AfterSalesRefused(Exception):
    """The request cannot be made; the message is for the buyer."""


def can_request(order) -> bool:
    return order.status in ALLOWED_STATUSES and not any(
        r.status == AfterSalesRequest.Status.PENDING for r in order.after_sales_requests.all()
    )


def request(order, *, reason, description, line=None, user=None) -> "AfterSalesRequest":
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status not in ALLOWED_STATUSES:
            raise AfterSalesRefused(
                _("Order %(number)s is %(status)s: after-sales requests are for paid orders.")
                % {"number": order.number, "status": order.status}
            )
        if order.after_sales_requests.filter(status=AfterSalesRequest.Status.PENDING).exists():
            raise AfterSalesRefused(
                _("Order %(number)s already has an after-sales request waiting for staff.")
                % {"number": order.number}
            )
        if line is not None and line.order_id != order.pk:
            raise AfterSalesRefused(_("That item is not part of this order."))
        after_sales = AfterSalesRequest.objects.create(
            order=order,
            line=line,
            user=user if user is not None and user.is_authenticated else None,
            reason=reason,
            description=description,
        )
        for _receiver, refund_id in after_sales_requested.send(
            sender=AfterSalesRequest, request=after_sales
        ):
            if refund_id:
                after_sales.refund_id = refund_id
                after_sales.save(update_fields=["refund_id"])
        order.notes.create(
            note_type="System",
            message=_("After-sales request: %(reason)s. %(description)s")
            % {"reason": after_sales.get_reason_display(), "description": description},
        )
        transaction.on_commit(lambda: _tell_staff(after_sales.pk))
    return after_sales


def refund_decided(refund_id, *, refunded: bool) -> int:
    """The refund staff made (or rejected) for a request: the request says so."""
    status = AfterSalesRequest.Status.REFUNDED if refunded else AfterSalesRequest.Status.REJECTED
    return AfterSalesRequest.objects.filter(
        refund_id=refund_id, status=AfterSalesRequest.Status.PENDING
    ).update(status=status, decided=timezone.now())


def _tell_staff(pk):
    after_sales = AfterSalesRequest.objects.select_related("order", "line").get(pk=pk)
    order = after_sales.order
    recipients = list(
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return
    what = after_sales.line.title if after_sales.line else _("the whole order")
    body = "\n".join(
        [
            _("Order %(number)s: the buyer asks for after-sales service.")
            % {"number": order.number},
            _("Item: %(what)s") % {"what": what},
            _("Reason: %(reason)s") % {"reason": after_sales.get_reason_display()},
            _("Description: %(description)s") % {"description": after_sales.description},
            _("Decide on its refund request: %(url)s")
            % {
                "url": reverse("dashboard:order-detail", kwargs={"number": order.number})
                + "#refunds"
            },
        ]
    )
    try:
        send_mail(
            _("After-sales request for order %(number)s") % {"number": order.number},
            body,
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )
    except Exception:  # the request is recorded and on the dashboard; the email is a courtesy
        logger.exception("Could not email staff about after-sales request %s", pk)
