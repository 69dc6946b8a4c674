"""Shipping many orders at once, from the fulfilment list or a courier's returned sheet.

Each order's lines that the user may ship (a manager: their cooperatives'; not yet shipped, not
refunded) go out as one parcel per cooperative through ``orders.services.ship``. A batch is
all-or-nothing: every order ships in one transaction, or none does and each refused row says
why. (A half-shipped batch would leave the manager to work out which parcels went, and a form
sent again would then refuse the ones that did.) A tracking number of another shape than the
carrier's is a warning: nothing ships until the manager confirms it.

Who saw recipients' personal data in full is logged here too (``log_recipients``)."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from impact.models import RecipientDataAccess
from orders import fulfilment, statuses
from orders import services as lifecycle
from orders.selectors import (
    lines_to_ship,
    parcels_with_tracking_numbers,
    units_held_by_refund_cases,
)
from orders.services import refunded_units
from sheets.reader import Limits, SheetError, excerpt, read_sheet

Order = get_model("order", "Order")

# A courier's sheet: the order number, the carrier and the tracking number, found by header.
SHEET_HEADERS = {
    "number": ("订单号", "订单编号", "order number", "order"),
    "carrier": ("快递公司", "承运商", "物流公司", "快递", "carrier"),
    "tracking": ("快递单号", "运单号", "物流单号", "单号", "tracking number", "tracking"),
}
SHEET_LIMITS = Limits(max_bytes=2 * 1024 * 1024, max_rows=5_000, max_columns=30, max_cell_chars=200)


def log_recipients(user, orders, *, page, action=RecipientDataAccess.Action.VIEW):
    """One log row naming the orders whose recipients ``user`` was shown in full (none: no row)."""
    orders = [order for order in orders if order.shipping_address_id]
    if not orders:
        return None
    access = RecipientDataAccess.objects.create(user=user, action=action, page=page)
    access.orders.set(orders)
    return access


@dataclass
class OrderToShip:
    """An order in the workspace with the user's lines of it (left to pack: less refunds)."""

    order: object
    lines: list = field(default_factory=list)
    held: int = 0  # units in an open refund (仅退款) case: not to be sent

    @property
    def held_note(self):
        return fulfilment.held_note(self.held) if self.held else ""

    @property
    def address(self):
        return self.order.shipping_address

    @property
    def number(self):
        return self.order.number


def group_by_order(lines) -> list[OrderToShip]:
    """Lines (ordered by order) as orders, each with its lines' quantities less refunds and the
    units an open refund case holds (``line.held``, the order's ``held``: two queries for the
    page, not one per order); lines refunded in full are left out."""
    lines = list(lines)
    ids = [line.pk for line in lines]
    refunded = refunded_units(ids)
    held = units_held_by_refund_cases(ids)
    groups: dict[int, OrderToShip] = {}
    for line in lines:
        line.to_pack = line.quantity - refunded.get(line.pk, 0)
        if line.to_pack <= 0:
            continue
        line.held = min(held.get(line.pk, 0), line.to_pack)
        group = groups.setdefault(line.order_id, OrderToShip(line.order))
        group.lines.append(line)
        group.held += line.held
    return list(groups.values())


@dataclass
class Entry:
    """One order to ship: as typed (a form's order, a sheet's row) and what was found of it."""

    number: str
    carrier: str
    tracking: str
    row: int | None = None  # the sheet's line
    carrier_code: str | None = None
    cleaned: str = ""
    order: object = None
    lines: list = field(default_factory=list)
    error: str | None = None
    warning: str | None = None


def check(entries: list[Entry], user, partner_ids) -> list[Entry]:
    """Fill in each entry's order, lines, cleaned tracking number, error or warning. Errors: an
    unknown order or one that is not the user's (one message for both: nobody learns another
    cooperative's order numbers), nothing of the user's left to ship, units held by an open
    refund case, lines of several cooperatives (one number would go on several parcels), an
    unknown carrier, an empty or impossible number, an order or a number given twice. Warnings:
    a number of another shape than the carrier's, a number already on a parcel. A fixed number
    of queries for the whole batch."""
    numbers = {entry.number for entry in entries if entry.number}
    waiting: dict[str, list] = {}
    for line in lines_to_ship(partner_ids, shipped=False).filter(order__number__in=numbers):
        waiting.setdefault(line.order.number, []).append(line)
    held_by_line = units_held_by_refund_cases(
        [line.pk for lines in waiting.values() for line in lines]
    )
    found = {o.number: o for o in Order.objects.filter(number__in=numbers)}
    own = set(
        Order.objects.for_manager(user)
        .filter(number__in=numbers, lines__partner_id__in=partner_ids)
        .values_list("number", flat=True)
    )
    seen_orders: dict[str, int] = {}
    seen_numbers: dict[str, int] = {}
    for position, entry in enumerate(entries, start=1):
        where = entry.row or position
        held = sum(held_by_line.get(line.pk, 0) for line in waiting.get(entry.number, []))
        if not entry.number:
            entry.error = _("The order number is empty.")
        elif entry.number not in found or entry.number not in own:
            entry.error = _(
                "There is no order %(number)s, or it is not one of your cooperative's orders."
            ) % {"number": excerpt(entry.number)}
        elif entry.number in seen_orders:
            entry.error = _("Order %(number)s is already in row %(row)s.") % {
                "number": entry.number,
                "row": seen_orders[entry.number],
            }
        elif entry.number not in waiting:
            order = found[entry.number]
            entry.error = (
                _("Order %(number)s has nothing of yours left to ship (already shipped).")
                if order.status in statuses.MANAGER_STATUSES
                else _("Order %(number)s is not paid.")
            ) % {"number": entry.number}
        elif held:
            entry.error = fulfilment.held_refusal(entry.number, held)
        elif len({line.partner_id for line in waiting[entry.number]}) > 1:
            entry.error = _(
                "Order %(number)s holds several cooperatives' items: choose one cooperative in "
                "the filter first (each cooperative's parcel gets its own tracking number)."
            ) % {"number": entry.number}
        if entry.number and entry.number not in seen_orders:
            seen_orders[entry.number] = where
        entry.order = found.get(entry.number) if entry.number in own else None
        entry.lines = waiting.get(entry.number, [])
        entry.carrier_code = fulfilment.carrier_code(entry.carrier)
        if entry.error:
            continue
        if entry.carrier_code is None:
            entry.error = (
                _("Unknown carrier “%(carrier)s”.") % {"carrier": excerpt(entry.carrier)}
                if entry.carrier
                else _("Choose a carrier.")
            )
            continue
        try:
            entry.cleaned, entry.warning = fulfilment.check_tracking(
                entry.carrier_code, entry.tracking
            )
        except ValidationError as error:
            entry.error = " ".join(error.messages)
            continue
        if entry.cleaned in seen_numbers:
            entry.error = _("Tracking number %(tracking)s is already in row %(row)s.") % {
                "tracking": entry.cleaned,
                "row": seen_numbers[entry.cleaned],
            }
            entry.warning = None
        else:
            seen_numbers[entry.cleaned] = where
    # A number already on a parcel (any order's: a copy-paste slip in a courier's sheet) is a
    # warning to confirm; one query for the batch.
    used = parcels_with_tracking_numbers(seen_numbers)
    for entry in entries:
        if entry.error or not entry.cleaned:
            continue
        reused = fulfilment.reused_warning(
            entry.cleaned,
            used.get((entry.carrier_code, entry.cleaned)),
            order_id=entry.order.pk,
            partner_ids=None if user.is_staff else set(partner_ids),
        )
        if reused:
            entry.warning = f"{entry.warning} {reused}" if entry.warning else reused
    return entries


class _Refused(Exception):
    pass


def ship(entries: list[Entry], user, partner_ids) -> bool:
    """Ship every entry (checked, without errors) in one transaction: one parcel per order and
    cooperative. False, with the refused entries' ``error`` set and nothing shipped, when any
    cannot be shipped now (another hand shipped or refunded it meanwhile)."""
    if not entries or any(entry.error for entry in entries):
        return False
    try:
        with transaction.atomic():
            # Orders locked in one order, so two batches over the same orders cannot deadlock.
            for entry in sorted(entries, key=lambda e: e.order.pk):
                by_partner: dict[int, list] = {}
                for line in entry.lines:
                    by_partner.setdefault(line.partner_id, []).append(line)
                try:
                    for lines in by_partner.values():
                        lifecycle.ship(
                            entry.order,
                            lines,
                            carrier=entry.carrier_code,
                            tracking_number=entry.cleaned,
                            user=user,
                            partner_ids=partner_ids,
                            unusual_ok=True,
                        )
                except ValidationError as error:
                    entry.error = " ".join(error.messages)
            if any(entry.error for entry in entries):
                raise _Refused
    except _Refused:
        return False
    return True


class SheetRefused(Exception):
    """The sheet cannot be read at all (format, a limit, missing columns)."""


def read_courier_sheet(data: bytes, filename: str) -> list[Entry]:
    """The courier's rows as entries (their line numbers kept); SheetRefused if unreadable."""
    try:
        sheet = read_sheet(data, filename, SHEET_LIMITS)
    except SheetError as error:
        raise SheetRefused(str(error)) from error
    if not sheet.header:
        raise SheetRefused(_("The file is empty."))
    header = [cell.strip().lower() for cell in sheet.header]
    positions = {}
    for name, titles in SHEET_HEADERS.items():
        for index, cell in enumerate(header):
            if cell in {t.lower() for t in titles}:
                positions[name] = index
                break
    missing = [SHEET_HEADERS[name][0] for name in SHEET_HEADERS if name not in positions]
    if missing:
        raise SheetRefused(_("Missing columns: %(columns)s") % {"columns": "、".join(missing)})

    def cell(row, name):
        index = positions[name]
        return row[index].strip() if index < len(row) else ""

    return [
        Entry(
            number=cell(row, "number"),
            carrier=cell(row, "carrier"),
            tracking=cell(row, "tracking"),
            row=line,
        )
        for line, row in sheet.lines()
    ]
