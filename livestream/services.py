"""Writes for livestreams: sessions, their products, going live, pins, offers, attribution."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_class, get_model

from orders import stock

from .models import (
    BasketAdd,
    BasketAttribution,
    CustomerQuota,
    Host,
    LineAttribution,
    LiveSession,
    Pin,
    QuotaClaim,
    SessionProduct,
)
from .reminders import send_live_reminders

ConditionalOffer = get_model("offer", "ConditionalOffer")
Condition = get_model("offer", "Condition")
Benefit = get_model("offer", "Benefit")
Range = get_model("offer", "Range")
Product = get_model("catalogue", "Product")
Cooperative = get_model("cooperatives", "Cooperative")
UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")

SESSION_KEY = "live_session"  # the session a shopper arrived from (page or ?live=<id>)


# --- Who may do what ---------------------------------------------------------------------------


def cooperatives_for_host(user):
    if user.is_staff:
        return Cooperative.objects.all()
    return Cooperative.objects.filter(live_hosts__user=user)


def is_host(user) -> bool:
    return user.is_authenticated and (user.is_staff or Host.objects.filter(user=user).exists())


def products_for_session(session):
    """What a session may sell: its cooperative's products."""
    return (
        Product.objects.filter(cooperative=session.cooperative, is_public=True)
        .exclude(structure="parent")  # a family of 规格 is sold as each of its children
        .order_by("title")
    )


# --- Sessions and their products ---------------------------------------------------------------


def save_session(session: LiveSession, *, user) -> LiveSession:
    if not cooperatives_for_host(user).filter(pk=session.cooperative_id).exists():
        raise PermissionDenied(_("You may not sell for this cooperative."))
    if session.pk is None:
        session.host = user if not session.host_id else session.host
    elif (
        session.items.exists()
        and LiveSession.objects.filter(pk=session.pk)
        .exclude(cooperative_id=session.cooperative_id)
        .exists()
    ):
        raise ValidationError(_("Remove the products before changing the cooperative."))
    session.full_clean()
    with transaction.atomic():
        session.save()
        sync_offer(session)
    return session


def add_item(session, product, *, live_price=None, quota=None, per_customer_limit=None):
    if not products_for_session(session).filter(pk=product.pk).exists():
        raise ValidationError(_("Only this cooperative's products can be sold on its session."))
    if session.items.filter(product=product).exists():
        raise ValidationError(_("This product is already on the session."))
    with transaction.atomic():
        last = session.items.aggregate(m=Max("position"))["m"]
        item = SessionProduct.objects.create(
            session=session, product=product, position=(last or 0) + 1
        )
        update_item(item, live_price=live_price, quota=quota, per_customer_limit=per_customer_limit)
    return item


def update_item(item, *, live_price, quota, per_customer_limit):
    price = item.product.stockrecords.values_list("price", flat=True).first()
    if live_price is not None and (live_price <= 0 or (price is not None and live_price >= price)):
        raise ValidationError(
            _("The live price must be above 0 and below the normal price (¥%(price)s).")
            % {"price": price}
        )
    with transaction.atomic():
        # Only the host's fields are written: orders move quota_used concurrently.
        used = (
            SessionProduct.objects.select_for_update()
            .values_list("quota_used", flat=True)
            .get(pk=item.pk)
        )
        if quota is not None and quota < used:
            raise ValidationError(
                _("%(n)d units were already sold at the live price; the quota cannot be lower.")
                % {"n": used}
            )
        SessionProduct.objects.filter(pk=item.pk).update(
            live_price=live_price, quota=quota, per_customer_limit=per_customer_limit
        )
        item.refresh_from_db()
        sync_offer(item.session)
    return item


def remove_item(item):
    if QuotaClaim.objects.filter(item=item).exists() or item.pins.exists():
        raise ValidationError(_("This product has been presented or sold on the session."))
    with transaction.atomic():
        session = item.session
        item.delete()
        sync_offer(session)


def move_item(item, step: int):
    """Swap an item with its neighbour (step -1: up, +1: down)."""
    items = list(item.session.items.order_by("position", "pk"))
    index = items.index(item)
    other = index + step
    if not 0 <= other < len(items):
        return
    items[index], items[other] = items[other], items[index]
    with transaction.atomic():
        for position, each in enumerate(items, start=1):
            SessionProduct.objects.filter(pk=each.pk).update(position=position)


# --- Going live, pins, ending ------------------------------------------------------------------


def go_live(session, now=None):
    now = now or timezone.now()
    if session.status != LiveSession.Status.SCHEDULED:
        raise ValidationError(_("Only an upcoming session can go live."))
    with transaction.atomic():
        session.status = LiveSession.Status.LIVE
        session.actual_start = now
        if session.scheduled_end <= now:
            session.scheduled_end = now + (session.scheduled_end - session.scheduled_start)
        session.save(update_fields=["status", "actual_start", "scheduled_end"])
        sync_offer(session)
    send_live_reminders.delay_on_commit(session.pk)
    return session


def end_session(session, now=None):
    now = now or timezone.now()
    if session.status != LiveSession.Status.LIVE:
        raise ValidationError(_("Only a live session can end."))
    with transaction.atomic():
        session.status = LiveSession.Status.ENDED
        session.actual_end = now
        session.save(update_fields=["status", "actual_end"])
        Pin.objects.filter(session=session, unpinned_at__isnull=True).update(unpinned_at=now)
        sync_offer(session)
    return session


def cancel_session(session):
    if session.status != LiveSession.Status.SCHEDULED:
        raise ValidationError(_("Only an upcoming session can be cancelled."))
    with transaction.atomic():
        session.status = LiveSession.Status.CANCELLED
        session.save(update_fields=["status"])
        sync_offer(session)


def pin(item, now=None):
    """Put a product on screen; the one before it is unpinned (the history stays)."""
    now = now or timezone.now()
    with transaction.atomic():
        session = LiveSession.objects.select_for_update().get(pk=item.session_id)
        if session.status != LiveSession.Status.LIVE:
            raise ValidationError(_("Pin products while the session is live."))
        current = Pin.objects.filter(session=session, unpinned_at__isnull=True).first()
        if current and current.item_id == item.pk:
            return current
        Pin.objects.filter(session=session, unpinned_at__isnull=True).update(unpinned_at=now)
        return Pin.objects.create(session=session, item=item, pinned_at=now)


# --- The session's Oscar offer -----------------------------------------------------------------


def sync_offer(session):
    """Make the session's offer match it: its live-priced products, open only while live."""
    items = list(session.items.filter(live_price__isnull=False).select_related("product"))
    # The offer link is only ever written here; read it afresh (the caller's copy may be stale).
    session.offer_id = LiveSession.objects.values_list("offer_id", flat=True).get(pk=session.pk)
    offer = session.offer
    if offer is None:
        if not items:
            return None
        product_range = Range.objects.create(
            name=f"直播 #{session.pk} {session.title}"[:128], includes_all_products=False
        )
        condition = Condition.objects.create(
            range=product_range,
            type=Condition.COUNT,
            value=1,
            proxy_class="livestream.offers.LiveCondition",
        )
        benefit = Benefit.objects.create(
            range=product_range, proxy_class="livestream.offers.LivePriceBenefit"
        )
        offer = ConditionalOffer.objects.create(
            name=f"直播价 #{session.pk} {session.title}"[:128],
            offer_type=ConditionalOffer.SITE,
            condition=condition,
            benefit=benefit,
            max_basket_applications=1,
            priority=100,
            status=ConditionalOffer.SUSPENDED,
        )
        LiveSession.objects.filter(pk=session.pk).update(offer=offer)
        session.offer = offer
    product_range = offer.condition.range
    product_range.included_products.set([item.product for item in items])
    start, end = session.window
    offer.start_datetime = start
    offer.end_datetime = end
    live = session.status == LiveSession.Status.LIVE and bool(items)
    offer.status = ConditionalOffer.OPEN if live else ConditionalOffer.SUSPENDED
    offer.save()
    return offer


# --- Attribution and quota release -------------------------------------------------------------


def remember_session(request, session_id):
    """The session this shopper came from; the session store is written only on a change (a
    write per page view would cost every viewer of a live room a database UPDATE)."""
    if request.session.get(SESSION_KEY) != session_id:
        request.session[SESSION_KEY] = session_id


def attribute_basket_line(request, product):
    """After an add-to-basket: if the shopper came from a session selling this product, the
    basket line belongs to it (and counts as an add in its funnel)."""
    session_id = request.session.get(SESSION_KEY)
    if not session_id or not getattr(request, "basket", None) or not request.basket.id:
        return None
    session = LiveSession.objects.filter(pk=session_id, items__product=product).first()
    return attribute_line(request.basket, product, session)


def attribute_line(basket, product, session, new_line=None):
    """The basket's line of ``product`` came from ``session`` (which sells it); ``new_line``: that
    line, just made."""
    if session is None or not attributable(session):
        return None
    if new_line is not None:
        BasketAttribution.objects.create(line=new_line, session=session)
    else:
        line = basket.lines.filter(product=product).order_by("-pk").first()
        if line is None:
            return None
        BasketAttribution.objects.update_or_create(line=line, defaults={"session": session})
    BasketAdd.objects.create(session=session, product=product, basket=basket)
    return session


def place_buy_now(request, session, item, address, token=None):
    """The live "buy now" of a signed-in buyer with a saved ``address``: one unit of ``item``,
    at its live price while the session, its quota and the buyer's limit allow it, attributed to
    the session; returns the order (the caller makes the PaymentIntent after commit).

    While the session's live price is the only offer that could apply, shipping is free and the
    price carries no tax (a flash sale in this store), the order is written directly
    (``express.place_single_line_order``, about 15 queries); otherwise it goes through Oscar's
    basket, offers and order creator (``express.place_express_order``). Both price it the same
    way (a test compares them)."""
    from orders.checkout import express

    product = item.product
    offer = session.offer
    others_elsewhere = ConditionalOffer.objects.filter(live_session__isnull=False).exclude(
        live_session__items__product=product
    )
    info = request.strategy.fetch_for_product(product)
    untaxed = info.price.exists and info.price.is_tax_known and not info.price.tax
    if (
        untaxed
        and express.shipping_is_free()
        and express.only_offer_running(offer, others_elsewhere, key=f"product-{product.pk}")
    ):
        attributed = attributable(session)

        def attribute(order, line):
            order.lines_attributed = True
            if attributed:
                LineAttribution.objects.create(line=line, session=session)
                BasketAdd.objects.create(session=session, product=product, basket=order.basket)

        return express.place_single_line_order(
            request,
            product,
            address,
            token=token,
            discount=_live_discount(request, session, item, info.price.excl_tax),
            before_allocation=attribute,
            info=info,
        )
    basket, line = express.one_product_basket(request, product)
    attribute_line(basket, product, session, new_line=line)
    return express.place_express_order(request, basket, address, token)


def _live_discount(request, session, item, price):
    """One unit's live price off ``price``, as the session's offer would price it (``offers``),
    or None."""
    from orders.checkout.express import Discount

    from .offers import claim_units, customer_key

    offer, product = session.offer, item.product
    if (
        offer is None
        or not offer.is_open  # what Oscar's active offers are
        or not offer.is_available(user=request.user)
        or not session.is_live_at()
        or item.live_price is None
        or not product.is_discountable
    ):
        return None
    customer = customer_key(request.user)
    if item.per_customer_limit is not None and customer is None:
        return None  # limited live prices are for signed-in buyers (a limit needs a who)
    if price is None or item.live_price >= price:
        return None
    if item.quota is not None and item.units_left < 1:
        return None
    if item.per_customer_limit is not None:
        already = (
            CustomerQuota.objects.filter(item=item, customer=customer)
            .values_list("units", flat=True)
            .first()
        )
        if item.per_customer_limit - (already or 0) < 1:
            return None

    def claim(order):
        if not session.is_live_at():
            raise UnableToPlaceOrder(
                _("The live session has ended, and its prices with it. Nothing was ordered.")
            )
        # the item's quota and limit as they are now (a host may have changed them), as
        # Oscar's deferred benefit reads them; its product (named in the refusals) is the same
        now = SessionProduct.objects.only("quota", "per_customer_limit").get(pk=item.pk)
        now.product = item.product
        claim_units(order, now, 1, customer)
        return _("Live price")

    return Discount(offer=offer, amount=price - item.live_price, claim=claim)


def attributable(session, now=None) -> bool:
    """Adds count for a session while it is upcoming or live, and for two hours after it ends."""
    now = now or timezone.now()
    if session.status in (LiveSession.Status.SCHEDULED, LiveSession.Status.LIVE):
        return True
    return bool(
        session.status == LiveSession.Status.ENDED
        and session.actual_end
        and now - session.actual_end <= timedelta(hours=2)
    )


def end_overdue_sessions(now=None) -> int:
    """Sessions left live an hour past their end are ended (the live price already stopped)."""
    now = now or timezone.now()
    ended = 0
    for session in LiveSession.objects.filter(
        status=LiveSession.Status.LIVE, scheduled_end__lt=now - timedelta(hours=1)
    ):
        end_session(session, now=session.scheduled_end)
        ended += 1
    return ended


def attribute_order(order):
    """Copy the basket lines' sessions onto the order's lines (Oscar's order_placed)."""
    if getattr(order, "lines_attributed", False):  # placed by place_buy_now, attributed there
        return []
    sessions = dict(
        BasketAttribution.objects.filter(line__basket_id=order.basket_id).values_list(
            "line__product_id", "session_id"
        )
    )
    if not sessions:
        return []
    return LineAttribution.objects.bulk_create(
        LineAttribution(line=line, session_id=sessions[line.product_id])
        for line in order.lines.all()
        if line.product_id in sessions
    )


def release_claims(order):
    """A cancelled order gives its live-price units back to the quota (once)."""
    with transaction.atomic():
        claims = list(QuotaClaim.objects.select_for_update().filter(order=order, released=False))
        for claim in claims:
            stock.give_back(SessionProduct.objects.filter(pk=claim.item_id), "quota_used",
                            claim.units)  # fmt: skip
            stock.give_back(
                CustomerQuota.objects.filter(item_id=claim.item_id, customer=claim.customer),
                "units",
                claim.units,
            )
        QuotaClaim.objects.filter(pk__in=[c.pk for c in claims]).update(released=True)
    return len(claims)
