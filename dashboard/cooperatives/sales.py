"""A manager's home in the dashboard: their cooperative's sales, stock alerts, household income."""

from decimal import Decimal

from django.db.models import Sum
from django.shortcuts import render
from django.utils import timezone
from django.views import View
from oscar.core.loading import get_model

from cooperatives.models import BenefitEntry, Cooperative
from impact.sales import cooperative_sales

StockAlert = get_model("partner", "StockAlert")


class SalesView(View):
    def get(self, request):
        cooperatives = Cooperative.objects.for_manager(request.user)
        pk = request.GET.get("cooperative", "")
        if pk.isascii() and pk.isdigit():
            cooperatives = cooperatives.filter(pk=int(pk))
        partner_ids = list(cooperatives.values_list("partner_id", flat=True))
        month_start = timezone.localdate().replace(day=1)
        ledger = BenefitEntry.objects.filter(cooperative__in=cooperatives)
        income = {
            "month": ledger.filter(created__date__gte=month_start).aggregate(s=Sum("amount"))["s"]
            or Decimal("0.00"),
            "total": ledger.aggregate(s=Sum("amount"))["s"] or Decimal("0.00"),
        }
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
                "income": income,
                "alerts": alerts,
            },
        )
