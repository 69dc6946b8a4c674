"""The invoice flow: a buyer asks (``request_invoices``), each seller issues its own
(``record_issued``), a refund after that asks for a red invoice (``refunded``, from the order's
lifecycle) which the seller records (``record_red``).

Amounts are what the buyer paid and kept: each line's price (tax included, after discounts:
``impact.sales.sale_lines``' sold revenue) less what was refunded of it, summed per cooperative
(the line's partner); the platform's invoice is the shipping charged less shipping refunded.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from uuid import uuid4

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from impact.sales import sale_lines
from orders import statuses
from orders.payments.models import Refund
from organisations.models import Organisation, PurchaseBatch

from .models import Invoice, InvoiceRequest
from .validators import invoice_file_kind, normalise_tax_number, validate_invoice_code

Order = get_model("order", "Order")
ZERO = Decimal("0.00")


class InvoiceRefused(Exception):
    """The request cannot be made (a message for the buyer)."""


# --- Who may ask -----------------------------------------------------------------------------


def may_request_for_order(user, order) -> bool:
    """The order's own buyer, or an administrator (管理员) of the organisation it was bought for:
    a purchaser (采购员) acts on their own orders only (``organisations.models.visible_orders``)."""
    if not user.is_authenticated:
        return False
    if order.user_id == user.pk:
        return True
    return bool(
        order.organisation_id
        and Organisation.objects.for_admin(user).filter(pk=order.organisation_id).exists()
    )


def may_request_for_batch(user, batch) -> bool:
    """The batch's maker, or an administrator of its organisation (``PurchaseBatch.objects.
    visible_to``)."""
    return PurchaseBatch.objects.visible_to(user).filter(pk=batch.pk).exists()


def refusal_for_order(order) -> str | None:
    """Why no invoice can be asked for on ``order`` now, or None."""
    if order.batch_id:
        return _("This order is part of a purchase batch: ask for invoices on the batch.")
    if InvoiceRequest.objects.filter(order=order).exists():
        return _("Invoices have already been asked for on this order.")
    if order.status not in statuses.PAID_STATUSES:
        return _("Invoices can be asked for once the order is paid (and not wholly refunded).")
    return None


def refusal_for_batch(batch) -> str | None:
    if InvoiceRequest.objects.filter(batch=batch).exists():
        return _("Invoices have already been asked for on this batch.")
    if batch.status != PurchaseBatch.Status.PAID:
        return _("Invoices can be asked for once the batch is paid.")
    return None


# --- Amounts ---------------------------------------------------------------------------------


def amounts_per_seller(orders) -> dict:
    """{partner id or None (the platform): what was paid and kept} over ``orders`` (a queryset
    of orders): lines per partner, shipping for the platform. Sellers with nothing left are
    left out."""
    totals: dict = defaultdict(lambda: ZERO)
    Line = get_model("order", "Line")
    lines = sale_lines(Line.objects.filter(order__in=orders.values("pk")))
    for row in lines.values("partner_id").annotate(kept=Sum("sold_revenue")).order_by():
        totals[row["partner_id"]] += Decimal(row["kept"] or 0)
    paid = orders.filter(status__in=statuses.PAID_STATUSES)
    shipping = paid.aggregate(total=Sum("shipping_incl_tax"))["total"] or ZERO
    shipping_back = (
        Refund.objects.filter(order__in=paid.values("pk"), status=Refund.Status.REFUNDED).aggregate(
            total=Sum("shipping")
        )["total"]
        or ZERO
    )
    totals[None] += Decimal(shipping) - Decimal(shipping_back)
    return {
        seller: amount.quantize(Decimal("0.01"))
        for seller, amount in totals.items()
        if amount > ZERO
    }


# --- Ask ---------------------------------------------------------------------------------------


@dataclass
class Details:
    kind: str
    title_type: str
    title: str
    tax_number: str
    email: str
    address: str = ""
    phone: str = ""
    bank_name: str = ""
    bank_account: str = ""


def check_details(details: Details) -> dict:
    """{field: message} of what is missing or wrong (the form shows them); {} when fine."""
    errors = {}
    special = details.kind == InvoiceRequest.Kind.SPECIAL
    if special and details.title_type != InvoiceRequest.TitleType.ORGANISATION:
        errors["title_type"] = _("A special VAT invoice (专票) is issued to an organisation only.")
    if details.title_type == InvoiceRequest.TitleType.ORGANISATION and not details.tax_number:
        errors["tax_number"] = _("An invoice to an organisation needs its taxpayer number.")
    if special:
        for field in ("address", "phone", "bank_name", "bank_account"):
            if not getattr(details, field).strip():
                errors[field] = _("Required for a special VAT invoice (专票).")
    return errors


def request_invoices(*, user, details: Details, order=None, batch=None) -> InvoiceRequest:
    """The buyer's request on a paid ``order`` or ``batch`` and one 待开票 invoice per seller
    with its amount. ``InvoiceRefused`` (nothing made) when it cannot be asked for;
    ``ValidationError`` when the details are incomplete."""
    if (order is None) == (batch is None):
        raise ValueError("An invoice request is for an order or for a batch.")
    errors = check_details(details)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if order is not None:
            order = Order.objects.select_for_update().get(pk=order.pk)
            if not may_request_for_order(user, order):
                raise PermissionDenied
            refusal = refusal_for_order(order)
            orders = Order.objects.filter(pk=order.pk)
        else:
            batch = PurchaseBatch.objects.select_for_update().get(pk=batch.pk)
            if not may_request_for_batch(user, batch):
                raise PermissionDenied
            refusal = refusal_for_batch(batch)
            # Its orders locked too, in pk order (as a refund locks its order): a refund of one
            # of them either commits before the amounts are read, or waits and then finds this
            # request (``refunded``), so the invoice never keeps a refunded amount.
            list(
                Order.objects.select_for_update()
                .filter(batch=batch)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            orders = Order.objects.filter(batch=batch)
        if refusal:
            raise InvoiceRefused(refusal)
        amounts = amounts_per_seller(orders)
        if not amounts:
            raise InvoiceRefused(_("Nothing paid is left to invoice."))
        request = InvoiceRequest(
            order=order,
            batch=batch,
            requested_by=user,
            kind=details.kind,
            title_type=details.title_type,
            title=details.title.strip(),
            tax_number=normalise_tax_number(details.tax_number),
            address=details.address.strip(),
            phone=details.phone.strip(),
            bank_name=details.bank_name.strip(),
            bank_account=details.bank_account.replace(" ", "").strip(),
            email=details.email.strip(),
        )
        request.full_clean()
        request.save()
        now = timezone.now()
        Invoice.objects.bulk_create(
            Invoice(request=request, partner_id=seller, amount=amount, queued_at=now, created=now)
            for seller, amount in sorted(amounts.items(), key=lambda kv: (kv[0] is None, kv[0]))
        )
    return request


# --- Issue ---------------------------------------------------------------------------------------


def _stored_name(invoice, kind, red=False):
    return f"{invoice.request_id}/{invoice.pk}-{'red-' if red else ''}{uuid4().hex}.{kind}"


def _check_number(code, number, issued_on, upload, field_prefix=""):
    errors = {}
    code, number = (code or "").strip(), (number or "").replace(" ", "").strip()
    try:
        validate_invoice_code(code, number)
    except ValidationError as error:
        key = "code" if error.code.startswith("invoice_code") else "number"
        errors[field_prefix + key] = error.messages[0]
    if issued_on is None:
        errors[field_prefix + "issued_on"] = _("Enter the date of issue.")
    elif issued_on > timezone.localdate():
        errors[field_prefix + "issued_on"] = _("The date of issue cannot be in the future.")
    kind = None
    try:
        kind = invoice_file_kind(upload)
    except ValidationError as error:
        errors[field_prefix + "file"] = error.messages[0]
    if errors:
        raise ValidationError(errors)
    return code, number, kind


def _locked_for(user, invoice):
    found = Invoice.objects.for_manager(user).select_for_update().filter(pk=invoice.pk).first()
    if found is None or (found.partner_id is None and not user.is_staff):
        raise PermissionDenied
    return found


def record_issued(invoice, *, user, code, number, issued_on, upload) -> Invoice:
    """The seller issued it: its number, date and file (PDF/OFD) → 已开票, and the buyer is
    emailed after the commit. ``ValidationError`` ({field: message}) and nothing changed for bad
    input or an invoice not waiting to be issued."""
    code, number, kind = _check_number(code, number, issued_on, upload)
    with transaction.atomic():
        invoice = _locked_for(user, invoice)
        if invoice.status != Invoice.Status.PENDING:
            raise ValidationError(_("This invoice is not waiting to be issued."))
        invoice.file.save(_stored_name(invoice, kind), upload, save=False)
        invoice.code, invoice.number, invoice.issued_on = code, number, issued_on
        invoice.uploaded_by = user
        invoice.status = Invoice.Status.ISSUED
        invoice.save()
        _email_buyer(invoice, red=False)
    return invoice


def record_red(invoice, *, user, code, number, issued_on, upload) -> Invoice:
    """The seller issued the red invoice (红字发票) that reverses it → 已红冲. When something
    of the seller's part is still paid, a new 待开票 invoice for that rest joins the queue (the
    buyer need not ask again)."""
    code, number, kind = _check_number(code, number, issued_on, upload)
    with transaction.atomic():
        invoice = _locked_for(user, invoice)
        if invoice.status != Invoice.Status.RED_PENDING:
            raise ValidationError(_("This invoice is not waiting for a red invoice."))
        invoice.red_file.save(_stored_name(invoice, kind, red=True), upload, save=False)
        invoice.red_code, invoice.red_number, invoice.red_issued_on = code, number, issued_on
        invoice.red_uploaded_by = user
        invoice.status = Invoice.Status.RED_ISSUED
        invoice.save()
        rest = invoice.remaining
        if rest > ZERO:
            Invoice.objects.create(
                request=invoice.request,
                partner_id=invoice.partner_id,
                amount=rest,
                replaces=invoice,
            )
        _email_buyer(invoice, red=True)
    return invoice


def _email_buyer(invoice, *, red):
    from .tasks import send_invoice_email

    send_invoice_email.delay_on_commit(invoice.pk, red)


# --- Refunds (the order's lifecycle: orders.signals.order_refunded) ----------------------------


def refunded(order, event, parts) -> None:
    """A refund of ``parts`` of ``order`` was just recorded (inside its transaction). For each
    seller concerned, the invoice standing for its part: still 待开票, its amount goes down (to
    已取消 when nothing is left); issued, it waits for a red invoice (待红冲) with what went back;
    waiting for one already, what went back adds up. Shipping refunded concerns the platform's."""
    if not parts:
        return  # a payment the order never took went back whole: nothing was invoiced
    request = (
        InvoiceRequest.objects.filter(order=order).first()
        if not order.batch_id
        else InvoiceRequest.objects.filter(batch_id=order.batch_id).first()
    )
    if request is None:
        return
    back: dict = defaultdict(lambda: ZERO)
    for part in parts:
        back[part.line.partner_id] += Decimal(part.amount)
    shipping = Decimal(event.amount) - sum((Decimal(p.amount) for p in parts), ZERO)
    if shipping > ZERO:
        back[None] += shipping
    now = timezone.now()
    for seller, amount in back.items():
        invoice = (
            Invoice.objects.select_for_update()
            .filter(request=request, partner_id=seller, status__in=Invoice.ACTIVE)
            .first()
        )
        if invoice is None:
            continue
        if invoice.status == Invoice.Status.PENDING:
            invoice.amount = max(invoice.amount - amount, ZERO)
            if invoice.amount == ZERO:
                invoice.status = Invoice.Status.CANCELLED
            invoice.save(update_fields=["amount", "status", "updated"])
        else:
            invoice.refunded = min(invoice.refunded + amount, invoice.amount)
            if invoice.status == Invoice.Status.ISSUED:
                invoice.status = Invoice.Status.RED_PENDING
                invoice.queued_at = now
            invoice.save(update_fields=["refunded", "status", "queued_at", "updated"])
