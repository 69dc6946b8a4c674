"""Purchase batches (采购单): a gift sheet turned into one order per recipient, in one go.

``create_batch`` is the one write. Given an organisation's member, the gift (products and the
quantity each recipient gets) and the recipients (``organisations.recipients``, already checked),
it makes, in ONE transaction, the batch and one order per recipient, each placed for the
organisation (``Order.organisation``, ``Order.batch``) by the member and shipped to its recipient,
at the price the store's strategy gives (the stock record's price; site offers and vouchers are a
buyer's basket's, not a batch's) with the store's free shipping. The batch's total is the sum of
its orders; it waits for one payment (对公转账 or card, ``payments``).

The orders are Oscar's rows, written by Oscar's own order-creator steps (``BatchOrderCreator``:
``create_order_model``, ``create_line_models`` with its prices), as the buy-now path does
(``orders.checkout.express.SingleLineOrderCreator``), from basket lines held in memory whose price
is worked out once per product. What differs from placing the orders one by one is only what
would be repeated 2,000 times: the baskets and shipping addresses are inserted in bulk (the same
rows), and the stock is allocated once per stock record for the whole batch.

Stock: held for all or for none. Before anything is written the free stock is checked and a
shortfall refused with the product and how many are missing; then the orders are written inside
one placement (``orders.stock.placement``, as ``orders.services.place`` does for one order)
whose last statements allocate each stock record's total with the race-safe conditional UPDATE
(``orders.stock.allocate``): if another buyer took the units meanwhile, the whole batch is undone.
Each order's line holds its own units (``num_allocated``), so cancelling one order releases its
own. After the commit one task records Oscar's purchase counters for all the orders
(``organisations.tasks.after_batch_placed``, in one transaction, where ``place`` queues one task
per order; no "order placed" email: the recipients did not buy).
"""

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oscar.core import prices
from oscar.core.loading import get_class, get_model
from phonenumber_field.phonenumber import PhoneNumber

from orders import stock
from orders.checkout.express import SingleLineOrderCreator, shipping_is_free

from .models import Organisation, PurchaseBatch
from .recipients import Recipient, max_recipients
from .tasks import after_batch_placed

UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")
OrderNumberGenerator = get_class("order.utils", "OrderNumberGenerator")
Selector = get_class("partner.strategy", "Selector")
Free = get_class("shipping.methods", "Free")
Basket = get_model("basket", "Basket")
BasketLine = get_model("basket", "Line")
Country = get_model("address", "Country")
Product = get_model("catalogue", "Product")
ShippingAddress = get_model("order", "ShippingAddress")
StockRecord = get_model("partner", "StockRecord")

MAX_QUANTITY = 99
USED_FORM = gettext_lazy("This form was sent already: open the new batch page again.")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Gift:
    """What each recipient gets of one product."""

    product: object
    quantity: int


@dataclass
class _Priced:
    product: object
    info: object  # the strategy's purchase info (price, availability, stock record)
    quantity: int
    stockrecord: object = None  # the info's, with its partner


# --- Reads -----------------------------------------------------------------------------------


def gift_products():
    """Products a batch may give: public, buyable on their own (not a 规格 parent), with a stock
    record that has units free; by title."""
    free = Q(stockrecords__num_in_stock__gt=F("stockrecords__num_allocated")) | Q(
        stockrecords__num_in_stock__gt=0, stockrecords__num_allocated__isnull=True
    )
    return (
        Product.objects.filter(is_public=True)
        .exclude(structure=Product.PARENT)
        .filter(free)
        .select_related("product_class", "parent")
        .prefetch_related("stockrecords")
        .distinct()
        .order_by("title", "pk")
    )


def batches_for(user, organisation):
    """The organisation's batches ``user`` may see: all for its 管理员, their own for a 采购员,
    none for anyone else."""
    if Organisation.objects.for_admin(user).filter(pk=organisation.pk).exists():
        return PurchaseBatch.objects.filter(organisation=organisation)
    if Organisation.objects.for_member(user).filter(pk=organisation.pk).exists():
        return PurchaseBatch.objects.filter(organisation=organisation, created_by=user)
    return PurchaseBatch.objects.none()


def visible_batches(user):
    """Every batch ``user`` may open and act on (``batch-detail``, its invoices): the one rule,
    ``PurchaseBatch.objects.visible_to``."""
    return PurchaseBatch.objects.visible_to(user)


def made_with(token, user):
    """The batch ``user`` already made with the new-batch form's one-time ``token``, or None
    (a token alone, however learnt, leads nobody else to it)."""
    if token is None or not user.is_authenticated:
        return None
    return PurchaseBatch.objects.filter(submission_token=token, created_by=user).first()


# --- Checks ----------------------------------------------------------------------------------


def price_gifts(gifts: list[Gift], user) -> list[_Priced]:
    """Each gift with its purchase info, or ``ValidationError`` (none chosen, a quantity out of
    1–99, a product twice or not buyable)."""
    if not gifts:
        raise ValidationError(_("Choose at least one product."), code="no_products")
    strategy = Selector().strategy(user=user)
    priced, seen = [], set()
    for gift in gifts:
        if not 1 <= gift.quantity <= MAX_QUANTITY:
            raise ValidationError(
                _("The quantity per recipient is 1 to %(max)d.") % {"max": MAX_QUANTITY}
            )
        if gift.product.pk in seen:
            raise ValidationError(
                _("“%(title)s” is chosen twice: give it once, with the quantity.")
                % {"title": gift.product.get_title()}
            )
        seen.add(gift.product.pk)
        info = strategy.fetch_for_product(gift.product)
        if (
            not gift.product.is_public
            or gift.product.is_parent
            or info.stockrecord is None
            or not info.availability.is_available_to_buy
        ):
            raise ValidationError(
                _("“%(title)s” cannot be bought now.") % {"title": gift.product.get_title()}
            )
        priced.append(_Priced(gift.product, info, gift.quantity))
    # The stock records with their partner (each order line copies the partner's name).
    records = StockRecord.objects.select_related("partner").in_bulk(
        [item.info.stockrecord.pk for item in priced]
    )
    for item in priced:
        item.stockrecord = records[item.info.stockrecord.pk]
    return priced


def shortfalls(priced: list[_Priced], recipients: int) -> list[str]:
    """For each product whose free stock cannot cover ``recipients`` × its quantity: which, and
    how many units are missing (read now, without a lock; the allocation decides)."""
    messages = []
    records = StockRecord.objects.in_bulk([item.stockrecord.pk for item in priced])
    for item in priced:
        if not item.product.get_product_class().track_stock:
            continue
        record = records[item.stockrecord.pk]
        free = max((record.num_in_stock or 0) - (record.num_allocated or 0), 0)
        needed = item.quantity * recipients
        if needed > free:
            messages.append(_shortfall(item.product, needed, free))
    return messages


def _shortfall(product, needed, free) -> str:
    return _(
        "Not enough “%(title)s”: the batch needs %(needed)d, only %(free)d are available "
        "(%(short)d short). Nothing was ordered."
    ) % {"title": product.get_title(), "needed": needed, "free": free, "short": needed - free}


def can_buy_for(user, organisation) -> bool:
    """A member (采购员 or 管理员) of the approved ``organisation``."""
    return Organisation.objects.for_member(user).filter(pk=organisation.pk).exists()


# --- The write -------------------------------------------------------------------------------


def create_batch(
    *,
    organisation,
    user,
    title: str,
    gifts: list[Gift],
    recipients: list[Recipient],
    token=None,
) -> PurchaseBatch:
    """Make the batch and its orders (see the module's docstring), or raise ``ValidationError``
    with nothing written: no recipients or too many, a gift that cannot be bought, stock short
    (the product and the shortfall), shipping that is not free. ``PermissionDenied`` when
    ``user`` does not buy for ``organisation``.

    ``token``: the form's one-time submission token (a UUID). The batch ``user`` already made
    with it is returned as it is, nothing made again (a double click, a retried request; two
    at once: the unique token lets one win, the other finds its batch)."""
    if not can_buy_for(user, organisation):
        raise PermissionDenied
    already = made_with(token, user)
    if already is not None:
        return already
    if not recipients:
        raise ValidationError(_("The sheet has no recipients."))
    if len(recipients) > max_recipients():
        raise ValidationError(
            _("Too many recipients: a batch holds at most %(max)d.") % {"max": max_recipients()}
        )
    if not shipping_is_free():
        raise ValidationError(_("Purchase batches need the store's free shipping."))
    priced = price_gifts(gifts, user)
    short = shortfalls(priced, len(recipients))
    if short:
        raise ValidationError(short, code="short")
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    batch = PurchaseBatch.objects.create(
                        reference=_new_reference(),
                        organisation=organisation,
                        created_by=user,
                        title=title.strip()[:100],
                        total=ZERO,
                        recipients=len(recipients),
                        submission_token=token,
                    )
            except IntegrityError:
                # A copy of this request made the token's batch meanwhile (it waited on the
                # unique token until that one committed): that batch is the answer.
                already = made_with(token, user)
                if already is None:  # someone else's token, however learnt: nothing made
                    raise ValidationError(USED_FORM, code="token") from None
                return already
            orders = _write_orders(batch, user, priced, recipients)
            batch.total = sum((order.total_incl_tax for order in orders), ZERO)
            PurchaseBatch.objects.filter(pk=batch.pk).update(total=batch.total)
            after_batch_placed.delay_on_commit(batch.pk)
    except UnableToPlaceOrder as refusal:
        raise ValidationError(str(refusal), code="short") from refusal
    return batch


def _new_reference() -> str:
    """CG + the day + six random digits (采购单号), unused so far."""
    day = timezone.localdate().strftime("%y%m%d")
    for _attempt in range(20):
        reference = f"CG{day}{secrets.randbelow(10**6):06d}"
        if not PurchaseBatch.objects.filter(reference=reference).exists():
            return reference
    raise IntegrityError("no free batch reference")  # pragma: no cover


def _china():
    """Mainland China, the country every recipient's address is in (a data migration makes it);
    without it no address could be written, so the batch is refused with nothing made."""
    country = Country.objects.filter(iso_3166_1_a2="CN", is_shipping_country=True).first()
    if country is None:
        raise ValidationError(
            _(
                "The store does not ship to mainland China yet: staff must add it as a shipping "
                "country first."
            ),  # fmt: skip
            code="no_country",
        )
    return country


def _write_orders(batch, user, priced: list[_Priced], recipients: list[Recipient]):
    now = timezone.now()
    country = _china()
    baskets = Basket.objects.bulk_create(
        Basket(owner=user, status=Basket.SUBMITTED, date_submitted=now) for _r in recipients
    )
    addresses = []
    for recipient in recipients:
        address = ShippingAddress(
            first_name=recipient.name,
            phone_number=PhoneNumber.from_string(recipient.mobile, region="CN"),
            state=recipient.province,
            line4=recipient.city,
            line3=recipient.district,
            line1=recipient.detail,
            country=country,
        )
        address._update_search_text()  # what its save() does
        addresses.append(address)
    ShippingAddress.objects.bulk_create(addresses)
    creator = BatchOrderCreator()
    method = Free()
    numbers = OrderNumberGenerator()
    orders = []
    with stock.placement(savepoint=False):
        for basket, address in zip(baskets, addresses, strict=True):
            lines = []
            for item in priced:
                line = BasketLine(
                    basket=basket,
                    product=item.product,
                    stockrecord=item.stockrecord,
                    quantity=item.quantity,
                )
                line._info = item.info  # priced by the strategy once per product
                lines.append(line)
            orders.append(
                creator.place_lines(
                    user,
                    basket,
                    lines,
                    shipping_address=address,
                    method=method,
                    number=numbers.order_number(basket),
                    extra={"organisation": batch.organisation, "batch": batch},
                )
            )
        for item in sorted(priced, key=lambda item: item.stockrecord.pk):
            if item.product.get_product_class().track_stock:
                _allocate_last(item, item.quantity * len(recipients))
    return orders


def _allocate_last(item: _Priced, units: int) -> None:
    def allocate_or_raise():
        if not stock.allocate(item.stockrecord.pk, units):
            record = StockRecord.objects.get(pk=item.stockrecord.pk)
            free = max((record.num_in_stock or 0) - (record.num_allocated or 0), 0)
            raise UnableToPlaceOrder(_shortfall(item.product, units, free))

    stock.last_in_placement(allocate_or_raise)


class BatchOrderCreator(SingleLineOrderCreator):
    """Oscar's order-creator steps for one recipient's order, from basket lines held in memory
    (priced already); the stock is allocated by the batch, once per stock record."""

    def place_lines(self, user, basket, lines, *, shipping_address, method, number, extra):
        from oscar.apps.order.signals import order_placed

        currency = lines[0].purchase_info.price.currency
        charge = prices.Price(currency, excl_tax=ZERO, incl_tax=ZERO)
        total = prices.Price(
            currency,
            excl_tax=sum((line.line_price_excl_tax_incl_discounts for line in lines), ZERO),
            incl_tax=sum((line.line_price_incl_tax_incl_discounts for line in lines), ZERO),
        )
        order = self.create_order_model(
            user, basket, shipping_address, method, charge, None, total, number,
            settings.OSCAR_INITIAL_ORDER_STATUS, None, **extra,
        )  # fmt: skip
        for line in lines:
            self.create_line_models(order, line)
        # A batch's baskets never held a live session's line: nothing to attribute.
        order.lines_attributed = True
        order_placed.send(sender=BatchOrderCreator, order=order, user=user)
        return order

    def update_stock_records(self, line):  # pragma: no cover - the batch allocates
        raise NotImplementedError("a batch allocates its stock once per stock record")
