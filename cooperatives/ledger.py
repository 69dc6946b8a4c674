"""The benefit ledger (帮扶收益台账): posting sale shares and reversing them on refund.

Called by the order's lifecycle (``orders.services``: paid, refunded) inside its transactions,
with the order it hands over; the ledger itself knows no order model.

A paid order's revenue is traced line by line to the cooperative that sold it (the line's Oscar
partner). For each cooperative in the order, ``share × net revenue`` (rounded to the fen) is split
between its member households in proportion to ``line net × member weight``, by largest remainder,
so the parts add up exactly to the whole. Entries are append-only; a refund posts negative entries.
Every entry is dated when what it records happened (``BenefitEntry.created``): a sale share at its
order's payment, a reversal at its refund, so a month's income follows that month's sales.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import rollup
from .models import BenefitEntry, Cooperative, Membership

FEN = Decimal("0.01")


def to_fen(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)


def split_largest_remainder(total: Decimal, weights: list) -> list[Decimal]:
    """Split ``total`` (yuan, 2 places) into parts proportional to ``weights``, in whole fen.

    The parts always add up to ``total`` exactly: each part is rounded down to the fen and the
    fen left over go, one each, to the parts with the largest remainders (earlier parts first on
    ties). Zero weights get zero.
    """
    total_fen = int(to_fen(total) * 100)
    fractions_ = [Fraction(w) for w in weights]
    weight_sum = sum(fractions_)
    if not fractions_ or weight_sum <= 0:
        if total_fen:
            raise ValueError("Cannot split a non-zero amount over zero weights.")
        return [Decimal("0.00")] * len(fractions_)
    exact = [total_fen * w / weight_sum for w in fractions_]
    parts = [int(e) if e >= 0 else -int(-e) for e in exact]  # towards zero
    left = total_fen - sum(parts)
    step = 1 if left > 0 else -1
    order = sorted(range(len(exact)), key=lambda i: (-abs(exact[i] - parts[i]), i))
    for i in order[: abs(left)]:
        parts[i] += step
    return [Decimal(p) / 100 for p in parts]


def cooperatives_by_partner(partner_ids) -> dict:
    return {c.partner_id: c for c in Cooperative.objects.filter(partner_id__in=set(partner_ids))}


def line_net(line) -> Decimal:
    """What the buyer paid for a line, after discounts (CNY, tax-inclusive)."""
    return Decimal(line.line_price_incl_tax)


def expected_share(lines) -> dict:
    """{cooperative: amount due to its households} for some order lines (for the impact receipt)."""
    lines = list(lines)
    cooperatives = cooperatives_by_partner(line.partner_id for line in lines)
    net = defaultdict(Decimal)
    for line in lines:
        if line.partner_id in cooperatives:
            net[cooperatives[line.partner_id]] += line_net(line)
    return {coop: to_fen(amount * coop.benefit_share) for coop, amount in net.items()}


def post_sale_shares(order, *, at=None) -> list[BenefitEntry]:
    """Post the households' shares of a paid order, dated ``at`` (the payment; now unless told).
    Safe to call twice: the second call adds none.

    The order row is locked while posting, and a unique constraint on (line, household) for sale
    shares makes a concurrent second posting fail instead of doubling the ledger.
    """
    with transaction.atomic():
        order = type(order).objects.select_for_update().get(pk=order.pk)
        if BenefitEntry.objects.filter(
            order_line__order=order, kind=BenefitEntry.Kind.SALE_SHARE
        ).exists():
            return []
        lines = list(order.lines.all())
        cooperatives = cooperatives_by_partner(line.partner_id for line in lines)
        lines_by_coop = defaultdict(list)
        for line in lines:
            if line.partner_id in cooperatives:
                lines_by_coop[cooperatives[line.partner_id]].append(line)
        members = defaultdict(list)
        for membership in Membership.objects.filter(cooperative__in=lines_by_coop).order_by("id"):
            members[membership.cooperative_id].append(membership)

        entries = []
        for cooperative, coop_lines in lines_by_coop.items():
            coop_members = members[cooperative.id]
            if not coop_members:
                continue  # nobody to attribute to; nothing is posted
            total = to_fen(sum(line_net(line) for line in coop_lines) * cooperative.benefit_share)
            pairs = [(line, m) for line in coop_lines for m in coop_members]
            amounts = split_largest_remainder(
                total, [line_net(line) * m.weight for line, m in pairs]
            )
            entries += [
                BenefitEntry(
                    household_id=m.household_id,
                    cooperative=cooperative,
                    order_line=line,
                    amount=amount,
                    kind=BenefitEntry.Kind.SALE_SHARE,
                    created=at or timezone.now(),
                )
                for (line, m), amount in zip(pairs, amounts, strict=True)
                if amount
            ]
        try:
            with transaction.atomic():
                created = BenefitEntry.objects.bulk_create(entries)
                rollup.add_entries(created)
                return created
        except IntegrityError:
            return []  # posted concurrently by another worker


def reverse_line_shares(line, refunded: Decimal, reference: str, *, at=None) -> list[BenefitEntry]:
    """Post negative entries for ``refunded`` yuan of a line's net revenue (a refund), dated
    ``at`` (the refund; now unless told).

    The reversal is the same fraction of what the line's households received, split over them in
    proportion to what each still holds for the line, so a full refund (or the last of several
    partial ones) brings every household's total for the line to exactly 0. Calling it again with
    the same ``reference`` adds nothing.
    """
    with transaction.atomic():
        lines = type(line).objects
        list(lines.select_for_update().filter(pk=line.pk).values_list("pk"))  # lock the line
        entries = list(BenefitEntry.objects.filter(order_line=line).order_by("id"))
        if any(e.reference == reference for e in entries):
            return []
        received = defaultdict(Decimal)
        held = defaultdict(Decimal)
        cooperative_of = {}
        for entry in entries:
            held[entry.household_id] += entry.amount
            cooperative_of[entry.household_id] = entry.cooperative_id
            if entry.kind == BenefitEntry.Kind.SALE_SHARE:
                received[entry.household_id] += entry.amount
        total_received = sum(received.values())
        net = line_net(line)
        if not total_received or not net:
            return []
        households = [h for h in received if held[h] > 0]
        wanted = to_fen(total_received * min(to_fen(refunded) / net, Decimal(1)))
        reversal = min(wanted, sum(held[h] for h in households))
        amounts = split_largest_remainder(reversal, [held[h] for h in households])
        created = BenefitEntry.objects.bulk_create(
            BenefitEntry(
                household_id=household,
                cooperative_id=cooperative_of[household],
                order_line=line,
                amount=-amount,
                kind=BenefitEntry.Kind.REFUND_REVERSAL,
                reference=reference,
                created=at or timezone.now(),
            )
            for household, amount in zip(households, amounts, strict=True)
            if amount
        )
        rollup.add_entries(created)
        return created
