"""A manager's home in the dashboard: their cooperative's sales, stock alerts, household income.

Sales are ``impact.sales``' (paid, less refunds; booked when paid and when refunded), household
income is the benefit ledger over the same days (its entries are dated at the payment and at the
refund), so the month's income is the month's sales times each cooperative's share (to the fen).
"""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Sum
from django.shortcuts import render
from django.utils import timezone
from django.views import View
from oscar.core.loading import get_model

from cooperatives.models import BenefitEntry, Cooperative
from impact.sales import cooperative_sales, day_start, money

StockAlert = get_model("partner", "StockAlert")


def household_income(cooperatives, *, today=None) -> dict:
    """The ledger's income to the cooperatives' member households: this month (Asia/Shanghai,
    by the entries' dates: payments and refunds of the month) and in all."""
    today = today or timezone.localdate()
    ledger = BenefitEntry.objects.filter(cooperative__in=cooperatives)
    month = ledger.filter(
        created__gte=day_start(today.replace(day=1)),
        created__lt=day_start(today + timedelta(days=1)),
    )
    return {
        "month": money(month.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")),
        "total": money(ledger.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")),
    }


class SalesView(View):
    def get(self, request):
        cooperatives = Cooperative.objects.for_manager(request.user)
        pk = request.GET.get("cooperative", "")
        if pk.isascii() and pk.isdigit():
            cooperatives = cooperatives.filter(pk=int(pk))
        partner_ids = list(cooperatives.values_list("partner_id", flat=True))
        alerts = (
            StockAlert.objects.filter(
                stockrecord__partner_id__in=partner_ids, status=StockAlert.OPEN
            )
            .select_related("stockrecord", "stockrecord__product")
            .order_by("-date_created")[:20]
        )
        return render(
            request,
            "oscar/dashboard/cooperatives/sales.html",
            {
                "cooperatives": cooperatives.order_by("name"),
                "sales": cooperative_sales(partner_ids),
                "income": household_income(cooperatives),
                "alerts": alerts,
            },
        )
