"""Thin views: the payment page, its confirm and status calls, and Stripe's webhook."""

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from oscar.apps.payment.exceptions import PaymentError, UnableToTakePayment
from oscar.core.loading import get_model
from phonenumber_field.phonenumber import PhoneNumber

from orders import paylink, statuses
from orders.address.chinese import normalise_mainland_mobile
from orders.checkout.forms import ShippingAddressForm
from orders.models import remember_buyer

from . import client, declines, events, intents, transfers
from .models import TransferInstruction
from .tasks import process_webhook_event

logger = logging.getLogger(__name__)
Order = get_model("order", "Order")
ShippingAddress = get_model("order", "ShippingAddress")


def batch_url(order) -> str:
    """The purchase batch's page (``organisations:batch-detail``, reversed by name: payments
    does not import organisations)."""
    return reverse("organisations:batch-detail", kwargs={"reference": order.batch.reference})


def to_the_batch(request, order):
    """An order of a purchase batch is paid (and cancelled) with its batch, never on its own:
    the buyer is sent to the batch's page, told why."""
    messages.info(
        request,
        _("Order %(number)s is part of purchase batch %(reference)s: it is paid with the batch.")
        % {"number": order.number, "reference": order.batch.reference},
    )
    return redirect(batch_url(order))


def order_for_buyer(request, number, *, link_token=None):
    """The order, if this request's buyer may see it, else 404: ``Order.objects.for_buyer`` (the
    signed-in owner; a guest's browser that placed it, or looked it up at /track/ by number and
    contact), or, for the payment page itself, the signed link of the order-placed email
    (``link_token``, ``orders.paylink``) while the order is 待付款."""
    if link_token is not None:
        if paylink.order_number(link_token) == number:
            return get_object_or_404(Order, number=number, status=statuses.PENDING_PAYMENT)
        raise Http404
    return get_object_or_404(Order.objects.for_buyer(request), number=number)


# The buyer has done their part; Stripe (or its webhook) has not yet told us the outcome.
PROCESSING_STATES = {
    "processing",
    "succeeded",
    "requires_capture",
    "requires_action",
    "requires_confirmation",
}


def payment_state(order) -> str:
    """What the buyer should be told: paid / processing / failed / pending / closed."""
    if order.status in statuses.PAID_STATUSES:
        return "paid"
    if order.status in (statuses.CANCELLED, statuses.REFUNDED):
        return "closed"
    latest = order.intents.order_by("-attempt").first()
    if latest is None:
        return "pending"
    if latest.status == intents.FAILED:
        return "failed"
    if latest.status in PROCESSING_STATES:
        return "processing"
    return "pending"


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class PayView(View):
    """The payment page: Stripe.js form for the order's PaymentIntent (made here, outside any
    stock lock, with the order number in its idempotency key)."""

    template_name = "orders/payments/pay.html"

    def get(self, request, number):
        if paylink.PARAM in request.GET:
            return self.from_link(request, number, request.GET[paylink.PARAM])
        return pay_page(request, order_for_buyer(request, number))

    def from_link(self, request, number, token):
        """The email's signed link: this browser may then pay the order (as after a look-up at
        /track/), and the page is shown at its own address, the token gone from the address bar
        (and from any Referer). A forged or expired link, or one for an order that is no longer
        待付款, says so and shows nothing of the order."""
        try:
            order = order_for_buyer(request, number, link_token=token)
        except Http404:
            if paylink.order_number(token) == number:  # a true link; the order is paid or closed
                message = _(
                    "This order is no longer awaiting payment, so this link no longer opens it. "
                    "You can look the order up on the order tracking page."
                )
            else:
                message = _(
                    "This payment link is not valid or has expired. Please look the order up on "
                    "the order tracking page."
                )
            return render(
                request, "orders/payments/link_invalid.html", {"message": message}, status=404
            )
        remember_buyer(request, order)
        return redirect("payments:pay", number=order.number)


def payment_deadline(order):
    """When the abandoned-order sweep may cancel the order (``intents.cancel_abandoned_orders``:
    placed more than ``PAYMENT_TIMEOUT_MINUTES`` ago)."""
    return order.date_placed + timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES)


def pay_page(request, order, *, placed_now=False, address_form=None, status=200):
    """The payment form for ``order`` (also the answer to a live "buy now", whose URL the page
    then replaces with its own, so a reload shows this page again). ``placed_now``: the order
    was placed in this request (``intents.payable_intent``); the tap's request then reads
    nothing more, and the page fetches what is being paid for (``SummaryView``) itself.
    ``address_form``: the address change the buyer sent, with its errors."""
    if order.status != statuses.PENDING_PAYMENT:
        return redirect("payments:done", number=order.number)
    if order.batch_id:  # no card payment (no PaymentIntent) for one order of a batch
        return to_the_batch(request, order)
    try:
        record = intents.payable_intent(order, placed_now=placed_now)
    except PaymentError as error:
        logger.warning("Order %s: could not start payment: %s", order.number, error)
        record = None
        messages.error(request, _("Payment is unavailable just now. Please try again soon."))
    deadline = payment_deadline(order)
    seconds_left = max(0, int((deadline - timezone.now()).total_seconds()))
    return render(
        request,
        PayView.template_name,
        {
            "order": order,
            "intent": record,
            "stripe_js_url": settings.STRIPE_JS_URL,
            "stripe_publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "payment_methods": settings.STRIPE_PAYMENT_METHOD_TYPES,
            "payment_timeout": settings.PAYMENT_TIMEOUT_MINUTES,
            "deadline": deadline,
            "seconds_left": seconds_left,
            "countdown": f"{seconds_left // 60:02d}:{seconds_left % 60:02d}",
            "decline_general": declines.decline_message(),
            "decline_messages": json.dumps(declines.messages_for_page(), ensure_ascii=False),
            "summary": None if placed_now else order_summary(order, address_form),
            "cancel_url": _cancel_url(order),
            "transfer": None
            if placed_now
            else TransferInstruction.objects.filter(order=order).first(),
            "transfer_offered": not placed_now and transfers.transfer_offered(order),
            "transfer_days": settings.TRANSFER_DAYS,
        },
        status=status,
    )


def order_summary(order, address_form=None) -> dict:
    """What the payment page shows of the order: its lines (with their pictures), the total, and
    the shipping address (the mobile number masked) with the form to change it."""
    address = order.shipping_address if order.shipping_address_id else None
    changeable = address is not None and order.status == statuses.PENDING_PAYMENT
    if changeable and address_form is None:
        address_form = OrderAddressForm(instance=address, prefix=ADDRESS_PREFIX)
    return {
        "order": order,
        "lines": order.lines.select_related("product").prefetch_related("product__images"),
        "address": address,
        "address_form": address_form,
        "address_open": bool(address_form is not None and address_form.is_bound),
    }


ADDRESS_PREFIX = "address"


class OrderAddressForm(ShippingAddressForm):
    """The checkout's Chinese address form, for the address of an order not paid yet. The mobile
    number is not written back into the page (it is shown masked): left empty, it stays."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_phone = self.instance.phone_number if self.instance.pk else None
        field = self.fields["phone_number"]
        if self.current_phone:
            field.required = False
            field.help_text = _("Leave empty to keep %(number)s.") % {
                "number": self.instance.masked_mobile
            }
            field.widget.attrs["placeholder"] = self.instance.masked_mobile
            self.initial["phone_number"] = ""

    def clean(self):
        data = super().clean()
        if (
            self.current_phone
            and not data.get("phone_number")
            and "phone_number" not in self.errors
        ):
            # kept, as the checkout stores a number (a saved address may hold it without +86)
            try:
                mobile = normalise_mainland_mobile(str(self.current_phone))
            except ValidationError as error:
                self.add_error("phone_number", error)
            else:
                data["phone_number"] = PhoneNumber.from_string(mobile, region="CN")
        return data


def _cancel_url(order):
    """The buyer's cancel (``tracking:cancel``), if the store has it."""
    try:
        return reverse("tracking:cancel", kwargs={"number": order.number})
    except NoReverseMatch:
        return None


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class SummaryView(View):
    """What is being paid for, as a piece of the payment page: fetched by the page that answered
    a live "buy now", whose own request reads nothing but what placing the order needed."""

    def get(self, request, number):
        order = order_for_buyer(request, number)
        return render(request, "orders/payments/_summary.html", {"summary": order_summary(order)})


@method_decorator(transaction.non_atomic_requests, name="dispatch")  # (the page may call Stripe)
class AddressView(View):
    """POST: change the shipping address of an order not paid yet (the Chinese address form of
    the checkout). The amount stays as placed; a bad address changes nothing and shows the page
    again with the errors."""

    def post(self, request, number):
        order = order_for_buyer(request, number)
        if order.batch_id:  # the batch's recipients are the batch's (its sheet)
            return to_the_batch(request, order)
        if order.status != statuses.PENDING_PAYMENT or not order.shipping_address_id:
            messages.error(request, _("The address of this order can no longer be changed."))
            return redirect("payments:pay", number=order.number)
        # A copy of its own: a form that fails validation has already written to its instance.
        address = ShippingAddress.objects.get(pk=order.shipping_address_id)
        form = OrderAddressForm(request.POST, instance=address, prefix=ADDRESS_PREFIX)
        if not form.is_valid():
            return pay_page(request, order, address_form=form, status=400)
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if locked.status != statuses.PENDING_PAYMENT:  # paid or cancelled meanwhile
                messages.error(request, _("The address of this order can no longer be changed."))
                return redirect("payments:pay", number=order.number)
            form.save()
        messages.success(request, _("The shipping address is changed."))
        return redirect("payments:pay", number=order.number)


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class ConfirmView(View):
    """POST {payment_method}: confirm the order's PaymentIntent with it. The order itself changes
    only when Stripe's webhook says the payment succeeded."""

    def post(self, request, number):
        order = order_for_buyer(request, number)
        try:
            payment_method = json.loads(request.body or b"{}").get("payment_method", "")
        except (ValueError, AttributeError):
            payment_method = ""
        if not isinstance(payment_method, str) or not payment_method.startswith("pm_"):
            return JsonResponse({"error": _("Please enter your card details.")}, status=400)
        if order.batch_id:
            return JsonResponse(
                {
                    "error": _("This order is part of a purchase batch: pay the batch."),
                    "next": batch_url(order),
                },
                status=409,
            )
        record = order.intents.order_by("-attempt").first()
        if order.status != statuses.PENDING_PAYMENT or record is None:
            return JsonResponse({"status": payment_state(order), "next": _done_url(order)})
        try:
            if record.status not in intents.OPEN_INTENT_STATES:
                # The last try was declined (its intent is spent): this one gets a fresh intent,
                # on the same page. One that went through after all is never paid twice.
                record = intents.payable_intent(order)
                if record is None or record.status not in intents.OPEN_INTENT_STATES:
                    return JsonResponse({"status": payment_state(order), "next": _done_url(order)})
            result = intents.confirm_intent(record, payment_method)
        except UnableToTakePayment as error:
            return JsonResponse(
                {
                    "error": declines.decline_message(
                        getattr(error, "code", None), getattr(error, "decline_code", None)
                    ),
                    "code": getattr(error, "decline_code", None) or getattr(error, "code", None),
                },
                status=402,
            )
        except PaymentError as error:
            logger.warning("Order %s: confirm failed: %s", order.number, error)
            return JsonResponse(
                {"error": _("The payment could not be made. No money was taken.")}, status=502
            )
        return JsonResponse({**result, "next": _done_url(order)})


def _done_url(order):
    return reverse("payments:done", kwargs={"number": order.number})


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class DoneView(View):
    """After paying: the order's state, told honestly, polled until the webhook has arrived."""

    def get(self, request, number):
        order = order_for_buyer(request, number)
        latest = order.intents.order_by("-attempt").first()
        if order.status == statuses.PENDING_PAYMENT and latest is not None:
            intents.refresh_intent(latest)  # e.g. after 3-D Secure or an Alipay return
        return render(
            request,
            "oscar/checkout/thank_you.html",
            {"order": order, "state": payment_state(order)},
        )


class StatusView(View):
    def get(self, request, number):
        order = order_for_buyer(request, number)
        return JsonResponse(
            {"state": payment_state(order), "status": order.status, "number": order.number}
        )


@csrf_exempt
def stripe_webhook(request):
    """Verify, check, store once, queue, answer: the work is done by a Celery task after commit.

    Refused with a 400 and the reason, storing nothing: a bad signature, and a signed body that is
    not an event we can keep (Stripe retries 5xx answers for days; a 400 shows in its dashboard).
    The body is never logged: it may carry a buyer's name, email or address."""
    if request.method != "POST":
        return HttpResponse(status=405)
    try:
        event = client.construct_event(request.body, request.headers.get("Stripe-Signature"))
    except client.InvalidSignature as error:
        logger.warning("Stripe webhook refused: %s", error)
        return JsonResponse({"error": "invalid signature"}, status=400)
    except client.MalformedEvent as error:
        return _malformed(error)
    try:
        stored, new = events.store_event(event)
    except client.MalformedEvent as error:
        return _malformed(error, event)
    if new or stored.processed is None:  # a redelivery of an event whose task was lost: again
        process_webhook_event.delay_on_commit(stored.pk)
    return JsonResponse({"received": True, "duplicate": not new})


def _malformed(error, event=None):
    event_id = event.get("id") if isinstance(event, dict) else None
    named = event_id if isinstance(event_id, str) and events.EVENT_ID.fullmatch(event_id) else "-"
    logger.warning("Stripe webhook refused: signed but malformed (event %s): %s", named, error)
    return JsonResponse({"error": f"malformed event: {error}"}, status=400)


# --- 对公转账 (bank transfer) ----------------------------------------------------------------


APPROVED = transfers.ORGANISATION_APPROVED
ADMIN = "admin"  # organisations.Member.Role.ADMIN (payments does not import organisations)


def transfer_order_for(request, number):
    """An order bought for an approved organisation, for its buyer (the signed-in ``user`` who
    placed it) or the organisation's 管理员; else 404. Other orders are not paid by transfer
    (``transfers.transfer_offered``): 404, as for an order one may not see."""
    if not request.user.is_authenticated:
        raise Http404
    user = request.user
    return get_object_or_404(
        Order.objects.filter(organisation__status=APPROVED)
        .filter(
            Q(user=user) | Q(organisation__members__user=user, organisation__members__role=ADMIN)
        )
        .select_related("organisation", "batch")
        .distinct(),
        number=number,
    )


def transfer_batch_for(request, reference):
    """The purchase batch, for its creator or its (approved) organisation's 管理员; else 404 —
    the rule of the batch's page, "管理员 all, 采购员 own". (Reached by the instruction's foreign
    key: payments does not import organisations.)"""
    if not request.user.is_authenticated:
        raise Http404
    user = request.user
    Batch = TransferInstruction._meta.get_field("batch").related_model
    return get_object_or_404(
        Batch.objects.filter(organisation__status=APPROVED)
        .filter(
            Q(created_by=user)
            | Q(organisation__members__user=user, organisation__members__role=ADMIN)
        )
        .select_related("organisation")
        .distinct(),
        reference=reference,
    )


def _transfer_page(request, *, order=None, batch=None, instruction=None, status=200):
    orders = instruction.orders() if instruction else None
    if batch is not None and orders is None:
        orders = batch.orders.all()
    amount = (
        instruction.amount
        if instruction
        else (order.total_incl_tax if order else sum(o.total_incl_tax for o in orders))
    )
    return render(
        request,
        "payments/transfer.html",
        {
            "order": order,
            "batch": batch,
            "instruction": instruction,
            "amount": amount,
            "payee": transfers.payee(),
            "transfer_days": settings.TRANSFER_DAYS,
            "order_count": orders.count() if orders is not None else 1,
            "waiting": (order.status == statuses.PENDING_PAYMENT)
            if order
            else batch.status == "pending",
        },
        status=status,
    )


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class TransferOrderView(View):
    """GET: the order's transfer instruction (payee, reference, amount, due date), or the
    choice to pay by transfer; POST: choose it (again: the same reference)."""

    def get(self, request, number):
        order = transfer_order_for(request, number)
        if order.batch_id:
            return to_the_batch(request, order)
        instruction = TransferInstruction.objects.filter(order=order).first()
        return _transfer_page(request, order=order, instruction=instruction)

    def post(self, request, number):
        order = transfer_order_for(request, number)
        if order.batch_id:
            return to_the_batch(request, order)
        try:
            transfers.instruction_for_order(order, user=_user(request))
        except transfers.TransferRefused as error:
            messages.error(request, " ".join(error.messages))
            return _transfer_page(request, order=order, status=400)
        return redirect("payments:transfer-order", number=order.number)


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class TransferBatchView(View):
    """The same for a purchase batch (采购单): one transfer for all its orders."""

    def get(self, request, reference):
        batch = transfer_batch_for(request, reference)
        instruction = TransferInstruction.objects.filter(batch=batch).first()
        return _transfer_page(request, batch=batch, instruction=instruction)

    def post(self, request, reference):
        batch = transfer_batch_for(request, reference)
        try:
            transfers.instruction_for_batch(batch, user=_user(request))
        except transfers.TransferRefused as error:
            messages.error(request, " ".join(error.messages))
            return _transfer_page(request, batch=batch, status=400)
        return redirect("payments:transfer-batch", reference=batch.reference)


def _user(request):
    return request.user if request.user.is_authenticated else None
