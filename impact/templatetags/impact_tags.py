"""Template tags for the consumer's impact receipt (帮扶回执): what an order did for households."""

from django import template
from django.db.models import Count, Sum

from cooperatives.ledger import expected_share
from cooperatives.models import BenefitEntry, Cooperative

register = template.Library()


@register.inclusion_tag("impact/partials/impact_receipt.html")
def impact_receipt(order):
    """Per cooperative: the income the order brought to how many member households.

    From the ledger once the order is paid; before that, what it will bring (no personal data).
    """
    posted = list(
        BenefitEntry.objects.filter(order_line__order=order)
        .values("cooperative")
        .annotate(amount=Sum("amount"), households=Count("household", distinct=True))
        .order_by("cooperative")
    )
    if posted:
        names = Cooperative.objects.select_related("county").in_bulk(
            [row["cooperative"] for row in posted]
        )
        rows = [
            {"cooperative": names[r["cooperative"]], "amount": r["amount"],
             "households": r["households"]}
            for r in posted
        ]  # fmt: skip
        return {"rows": rows, "posted": True}
    expected = expected_share(order.lines.all())
    counts = dict(
        Cooperative.objects.filter(pk__in=[c.pk for c in expected])
        .annotate(n=Count("memberships"))
        .values_list("pk", "n")
    )
    rows = [
        {"cooperative": coop, "amount": amount, "households": counts.get(coop.pk, 0)}
        for coop, amount in expected.items()
        if counts.get(coop.pk)
    ]
    return {"rows": rows, "posted": False}
