"""After-sales (售后): a buyer's refund (仅退款) or return (退货退款) case, decided by the
cooperative that sold the lines, or by staff once it is overdue.

The flow, each step an ``AfterSalesEvent`` (both sides' timelines) and an email after commit:

- ``request``: the buyer picks units of the order's lines (at most what is neither refunded nor
  in another open case; a return only of lines that shipped), a reason, a description and up to
  ``MAX_PHOTOS`` re-encoded photos. One case per cooperative. ``after_sales_requested`` is sent
  inside the transaction: payments refuses (``AfterSalesRefused``) units its refunds already hold.
- ``agree`` / ``refuse`` (with a reason): the cooperative's managers (``AfterSalesRequest
  .objects.for_manager``) within ``AFTER_SALES_DECISION_HOURS``, staff at any time. An agreed
  refund is REFUNDING; an agreed return waits for the buyer's ``return_shipped`` (carrier and
  tracking number), then the manager's ``receive`` makes it REFUNDING.
- REFUNDING is refunded by payments (``orders.payments.aftersales.refund_case``: Stripe, stock,
  ledger reversal, the refund email), called by the dashboard view that agreed or received; the
  refund's outcome comes back through ``refund_decided``.
- ``escalate_overdue`` (Celery beat): undecided cases past the deadline go to staff.

orders/ does not reach payments (tests/test_layout.py): the refund is by its id only.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from . import fulfilment, statuses
from .services import refunded_units
from .signals import after_sales_requested, order_notice_without_email

logger = logging.getLogger(__name__)

AfterSalesRequest = get_model("order", "AfterSalesRequest")
AfterSalesLine = get_model("order", "AfterSalesLine")
AfterSalesPhoto = get_model("order", "AfterSalesPhoto")
AfterSalesEvent = get_model("order", "AfterSalesEvent")
Order = get_model("order", "Order")

Status = AfterSalesRequest.Status
Kind = AfterSalesRequest.Kind
Event = AfterSalesEvent.Kind

MAX_PHOTOS = 6
# Orders a buyer may ask after-sales about: paid (a refund before shipping), shipped, completed.
ALLOWED_STATUSES = statuses.PAID_STATUSES


class AfterSalesRefused(Exception):
    """The step cannot be taken; the message is for whoever asked."""


# --- Reads ----------------------------------------------------------------------------------------


def available_units(order) -> dict:
    """{line id: units the buyer may still ask about}: neither refunded nor in an open case."""
    lines = list(order.lines.all())
    refunded = refunded_units([line.pk for line in lines])
    held = dict(
        AfterSalesLine.objects.filter(line__order=order, request__status__in=AfterSalesRequest.OPEN)
        .values("line_id")
        .annotate(units=Sum("quantity"))
        .values_list("line_id", "units")
    )
    return {
        line.pk: max(0, line.quantity - refunded.get(line.pk, 0) - (held.get(line.pk) or 0))
        for line in lines
        if line.status != statuses.REFUNDED
    }


def shipped_line_ids(order) -> set:
    return set(order.lines.filter(parcels__isnull=False).values_list("pk", flat=True))


def can_request(order) -> bool:
    return (
        order.status in ALLOWED_STATUSES
        and not window_closed(order)
        and any(available_units(order).values())
    )


def completed_at(order):
    """When the order became 已完成 (its status change; ``order.status_changes`` may be
    prefetched), or None."""
    return max(
        (c.date_created for c in order.status_changes.all() if c.new_status == statuses.COMPLETED),
        default=None,
    )


def window_closed(order, now=None) -> bool:
    """A completed order takes after-sales requests for ``AFTER_SALES_DAYS`` after completion
    (counted from when it was placed if its completion was not recorded); other paid orders
    always do."""
    if order.status != statuses.COMPLETED:
        return False
    since = completed_at(order) or order.date_placed
    return (now or timezone.now()) > since + timedelta(days=settings.AFTER_SALES_DAYS)


def window_closed_message(order) -> str:
    return _(
        "Order %(number)s was completed more than %(days)d days ago: after-sales requests are "
        "no longer accepted. Please contact the platform's customer service."
    ) % {"number": order.number, "days": settings.AFTER_SALES_DAYS}


def default_return_address(case) -> str:
    """Where a return goes unless the manager says otherwise: the cooperative's county, village,
    name and contact phone from its profile (``dashboard/cooperatives/profile.py``)."""
    cooperative = getattr(case.partner, "cooperative", None) if case.partner_id else None
    if cooperative is None:
        return ""
    place = f"内蒙古{cooperative.county.league}{cooperative.county.name}{cooperative.village}"
    return " ".join(part for part in (place, cooperative.name, cooperative.contact_phone) if part)


def overdue_before(now=None):
    """Cases created before this are past the cooperative's deadline."""
    return (now or timezone.now()) - timedelta(hours=settings.AFTER_SALES_DECISION_HOURS)


def managed_partner_ids(user) -> set[int]:
    """The partners (cooperatives) ``user`` manages, in one query: for a list of cases."""
    if not user.is_authenticated:
        return set()
    return set(user.partners.values_list("pk", flat=True))


def can_decide(case, user, partner_ids=None) -> bool:
    """Staff always; the cooperative's managers while it is not passed to staff.
    ``partner_ids``: ``managed_partner_ids(user)`` when deciding for many cases (no query)."""
    if user.is_staff:
        return True
    if partner_ids is None:
        partner_ids = managed_partner_ids(user)
    return case.escalated is None and case.partner_id in partner_ids


# --- Steps ----------------------------------------------------------------------------------------


def request(order, *, kind, reason, description, quantities, photos=(), user=None) -> list:
    """The buyer's case(s), one per cooperative, for ``{line: quantity}``. Raises
    ``AfterSalesRefused`` (nothing kept) when the order, a line or a quantity does not allow it."""
    if kind not in Kind.values:
        raise AfterSalesRefused(_("Choose a refund or a return."))
    if len(photos) > MAX_PHOTOS:
        raise AfterSalesRefused(_("At most %(max)d photos.") % {"max": MAX_PHOTOS})
    wanted = {line: qty for line, qty in quantities.items() if qty}
    if not wanted:
        raise AfterSalesRefused(_("Choose at least one item and how many."))
    user = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status not in ALLOWED_STATUSES:
            raise AfterSalesRefused(
                _("Order %(number)s is %(status)s: after-sales requests are for paid orders.")
                % {"number": order.number, "status": order.status}
            )
        if window_closed(order):
            raise AfterSalesRefused(window_closed_message(order))
        available = available_units(order)
        shipped = shipped_line_ids(order)
        for line, qty in wanted.items():
            if line.order_id != order.pk:
                raise AfterSalesRefused(_("That item is not part of this order."))
            if qty < 0 or qty > available.get(line.pk, 0):
                raise AfterSalesRefused(
                    _("At most %(n)d of “%(title)s” can still be asked about.")
                    % {"n": available.get(line.pk, 0), "title": line.title}
                )
            if kind == Kind.RETURN and line.pk not in shipped:
                raise AfterSalesRefused(
                    _("“%(title)s” has not shipped yet: ask for a refund instead of a return.")
                    % {"title": line.title}
                )
        by_partner = {}
        for line, qty in sorted(wanted.items(), key=lambda item: item[0].pk):
            by_partner.setdefault(line.partner_id, []).append((line, qty))
        cases = []
        for partner_id, parts in by_partner.items():
            case = AfterSalesRequest.objects.create(
                order=order,
                partner_id=partner_id,
                user=user,
                kind=kind,
                reason=reason,
                description=description,
            )
            AfterSalesLine.objects.bulk_create(
                [AfterSalesLine(request=case, line=line, quantity=qty) for line, qty in parts]
            )
            for position, photo in enumerate(photos):
                if position:
                    photo.seek(0)
                AfterSalesPhoto.objects.create(request=case, image=photo, position=position)
            after_sales_requested.send(sender=AfterSalesRequest, request=case)
            _step(case, Event.ASKED, user)
            cases.append(case)
        order.notes.create(
            note_type="System",
            message=_("After-sales request (%(kind)s): %(reason)s. %(description)s")
            % {
                "kind": cases[0].get_kind_display(),
                "reason": cases[0].get_reason_display(),
                "description": description,
            },
        )
    return cases


def _locked(case):
    return AfterSalesRequest.objects.select_for_update().select_related("order").get(pk=case.pk)


def _check_decider(case, user):
    if not can_decide(case, user):
        raise AfterSalesRefused(
            _("This request has passed to the platform's staff, who decide it now.")
            if case.escalated
            else _("Only the cooperative that sold these items decides this request.")
        )


def agree(case, *, user, return_address="") -> "AfterSalesRequest":
    """A refund becomes REFUNDING (payments refunds it); a return waits for the parcel, sent to
    ``return_address`` (required for a return)."""
    return_address = (return_address or "").strip()[:300]
    with transaction.atomic():
        case = _locked(case)
        _check_decider(case, user)
        if case.status != Status.PENDING:
            raise AfterSalesRefused(_("This request has already been decided."))
        if case.kind == Kind.RETURN and not return_address:
            raise AfterSalesRefused(_("Give the buyer the address to send the parcel back to."))
        case.status = Status.REFUNDING if case.kind == Kind.REFUND else Status.AWAITING_RETURN
        case.decided, case.decided_by = timezone.now(), user
        case.return_address = return_address if case.kind == Kind.RETURN else ""
        case.save(update_fields=["status", "decided", "decided_by", "return_address"])
        _step(case, Event.AGREED, user, note=case.return_address)
    return case


def refuse(case, *, user, reason) -> "AfterSalesRequest":
    reason = (reason or "").strip()
    if not reason:
        raise AfterSalesRefused(_("Give the buyer a reason for refusing."))
    with transaction.atomic():
        case = _locked(case)
        _check_decider(case, user)
        if case.status != Status.PENDING:
            raise AfterSalesRefused(_("This request has already been decided."))
        case.status = Status.REJECTED
        case.refusal_reason = reason[:500]
        case.decided, case.decided_by = timezone.now(), user
        case.save(update_fields=["status", "refusal_reason", "decided", "decided_by"])
        _step(case, Event.REFUSED, user, note=case.refusal_reason)
    return case


def return_shipped(case, *, carrier, tracking_number, user=None) -> "AfterSalesRequest":
    """The buyer sent the parcel back. A tracking number that does not look like the carrier's
    is kept as typed (formats drift); an empty or implausible one is refused."""
    try:
        number = fulfilment.normalise_tracking(carrier, tracking_number)
    except ValidationError as error:
        if carrier not in fulfilment.CARRIERS:
            raise AfterSalesRefused(" ".join(error.messages)) from error
        number = "".join((tracking_number or "").split()).upper()
        if not fulfilment.CARRIERS["OTHER"][1].match(number):
            raise AfterSalesRefused(" ".join(error.messages)) from error
    with transaction.atomic():
        case = _locked(case)
        if case.status != Status.AWAITING_RETURN:
            raise AfterSalesRefused(_("This request is not waiting for a parcel."))
        case.status = Status.RETURN_SHIPPED
        case.return_carrier, case.return_tracking_number = carrier, number
        case.save(update_fields=["status", "return_carrier", "return_tracking_number"])
        _step(
            case,
            Event.RETURN_SHIPPED,
            user if user is not None and user.is_authenticated else None,
            note=f"{case.return_carrier_label} {number}",
        )
    return case


def receive(case, *, user) -> "AfterSalesRequest":
    """The returned parcel arrived: the case is REFUNDING (payments refunds it)."""
    with transaction.atomic():
        case = _locked(case)
        if not user.is_staff and not case.partner.users.filter(pk=user.pk).exists():
            raise AfterSalesRefused(
                _("Only the cooperative that sold these items decides this request.")
            )
        if case.status != Status.RETURN_SHIPPED:
            raise AfterSalesRefused(_("No returned parcel is on its way for this request."))
        case.status = Status.REFUNDING
        case.save(update_fields=["status"])
        _step(case, Event.RECEIVED, user)
    return case


def refund_started(case, refund_id) -> None:
    """Payments made (or is making) the case's refund: its id."""
    AfterSalesRequest.objects.filter(pk=case.pk).update(refund_id=refund_id)


def refund_failed(case, *, error, user=None) -> None:
    with transaction.atomic():
        case = _locked(case)
        _step(case, Event.REFUND_FAILED, user, note=str(error)[:500])


def refund_decided(refund_id, *, refunded: bool) -> int:
    """The refund of a case was made (REFUNDED) or rejected by staff (the case REFUSED)."""
    done = 0
    with transaction.atomic():
        for case in AfterSalesRequest.objects.select_for_update().filter(
            refund_id=refund_id, status__in=AfterSalesRequest.OPEN
        ):
            if refunded:
                case.status = Status.REFUNDED
                case.save(update_fields=["status"])
                _step(case, Event.REFUNDED, None)
            else:
                case.status = Status.REJECTED
                case.decided = case.decided or timezone.now()
                case.save(update_fields=["status", "decided"])
                _step(case, Event.REFUSED, None, note=_("Staff rejected the refund."))
            done += 1
    return done


def escalate_overdue(now=None) -> int:
    """Undecided cases past ``AFTER_SALES_DECISION_HOURS`` go to staff (once each)."""
    now = now or timezone.now()
    count = 0
    for pk in AfterSalesRequest.objects.filter(
        status=Status.PENDING, escalated__isnull=True, created__lt=overdue_before(now)
    ).values_list("pk", flat=True):
        with transaction.atomic():
            case = AfterSalesRequest.objects.select_for_update().get(pk=pk)
            if case.status != Status.PENDING or case.escalated is not None:
                continue
            case.escalated = now
            case.save(update_fields=["escalated"])
            _step(case, Event.ESCALATED, None)
            count += 1
    return count


# --- Timeline and notices -------------------------------------------------------------------------


def _step(case, kind, user, note=""):
    AfterSalesEvent.objects.create(
        request=case,
        kind=kind,
        by=user,
        by_staff=bool(user is not None and user.is_staff),
        note=note,
    )
    transaction.on_commit(lambda: notify(case.pk, kind))


def event_title(event, *, for_buyer=False) -> str:
    return event.title(for_buyer=for_buyer)  # AfterSalesEvent.title


def buyer_event_note(event) -> str:
    return event.buyer_note  # AfterSalesEvent.buyer_note


# Who hears of each step: the buyer, the cooperative's managers, staff.
AUDIENCE = {
    Event.ASKED: ("managers",),
    Event.AGREED: ("buyer",),
    Event.REFUSED: ("buyer",),
    Event.ESCALATED: ("staff", "managers", "buyer"),
    Event.RETURN_SHIPPED: ("managers",),
    Event.RECEIVED: ("buyer",),
    Event.REFUNDED: ("managers",),  # the buyer gets the order's refund email
    Event.REFUND_FAILED: ("staff",),
}


def _recipients(case, who) -> list:
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    if who == "buyer":
        email = case.order.guest_email or (case.order.user.email if case.order.user_id else "")
        return [email] if email else []
    if who == "managers":
        return list(users.filter(partners=case.partner_id).values_list("email", flat=True))
    return list(users.filter(is_staff=True).values_list("email", flat=True))


def _absolute(path) -> str:
    from django.contrib.sites.models import Site

    scheme = "http" if settings.DEBUG else "https"
    return f"{scheme}://{Site.objects.get_current().domain}{path}"


def _text_buyer(case, kind) -> int:
    """The step texted to a buyer with no email address (the order emails' signal): 1 if sent."""
    order = case.order
    address = order.shipping_address
    with translation.override("zh-hans"):
        step = str(AfterSalesEvent.Kind(kind).label)
    params = {
        "order": str(order.number),
        "step": step,
        "link": _absolute(reverse("tracking:order", args=[order.number])),
    }
    mobile = str(address.phone_number or "") if address is not None else ""
    for _receiver, answer in order_notice_without_email.send_robust(
        sender=Order, order=order, event="after_sales", params=params, mobile=mobile
    ):
        if isinstance(answer, Exception):
            logger.error("Order %s: the after-sales text failed: %s", order.number, answer)
        elif answer:
            return 1
    return 0


def notify(pk, kind) -> int:
    """Email each audience of a step; a failure is logged, the step stands. Returns the count."""
    case = AfterSalesRequest.objects.select_related("order", "order__user").get(pk=pk)
    event = case.events.filter(kind=kind).last()
    sent = 0
    for who in AUDIENCE.get(kind, ()):
        recipients = _recipients(case, who)
        if not recipients:
            if who == "buyer":  # no email address: a text message (shop.order_texts) instead
                sent += _text_buyer(case, kind)
            continue
        link = (
            reverse("dashboard:order-after-sales")
            if who != "buyer"
            else reverse("tracking:order", args=[case.order.number])
        )
        lines = [
            _("Order %(number)s") % {"number": case.order.number},
            event_title(event) if event else "",
            _("Items: %(items)s") % {"items": "、".join(str(part) for part in case.lines.all())},
            _("Reason: %(reason)s") % {"reason": case.get_reason_display()},
        ]
        if event is not None and event.note:
            lines.append(event.note)
        if who == "managers" and kind == Event.ASKED:
            lines.append(
                _("Please agree or refuse within %(hours)d hours; after that staff decide.")
                % {"hours": settings.AFTER_SALES_DECISION_HOURS}
            )
        lines.append(_absolute(link))
        try:
            send_mail(
                _("After-sales for order %(number)s: %(step)s")
                % {"number": case.order.number, "step": AfterSalesEvent.Kind(kind).label},
                "\n".join(line for line in lines if line),
                settings.DEFAULT_FROM_EMAIL,
                recipients,
            )
            sent += 1
        except Exception:  # the step is recorded and on both timelines; the email is a courtesy
            logger.exception("Could not email %s about after-sales case %s", who, pk)
    return sent
