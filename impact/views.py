"""Officials' impact pages (/impact/): thin views over the impact selectors.

Anonymous visitors are sent to sign in; signed-in users without an official scope get 403;
cooperatives and households outside the official's counties are 404 (the querysets are scoped).
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from sheets.writer import period_text

from . import reports
from . import selectors as impact
from .forms import PeriodForm
from .models import PersonalDataAccess


class ImpactMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            try:
                self.counties = impact.scope_counties(request.user)
            except impact.NotAnOfficial:
                raise PermissionDenied(_("This page is for officials.")) from None
            self.buyer_district = impact.official_district(request.user)
        return super().dispatch(request, *args, **kwargs)


class ImpactView(ImpactMixin, TemplateView):
    """Every figure for the period asked (``?date_from=&date_to=``, this year by default); a
    reversed or impossible range is said above the form, and no figure is shown for it."""

    template_name = "impact/index.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = PeriodForm(self.request.GET)
        period = form.period
        ctx.update(
            form=form,
            period=period,
            period_text=period and period_text(period.start, period.end),
            range_query=form.query(),
            counties=self.counties.order_by("league", "name"),
            cooperatives=impact.cooperatives_in_scope(self.request.user).order_by("name"),
            unpaired_label=reports.unpaired_label(),
        )
        if period is None:
            return ctx
        report = impact.report(self.counties, period, self.buyer_district)
        breakdowns = report["breakdowns"]
        ctx.update(
            buyer=report["buyer"],
            buyer_district=self.buyer_district,
            buyer_breakdowns=[
                (by, label, report["buyer"]["breakdowns"][by])
                for by, label in impact.BUYER_BREAKDOWNS.items()
            ],
            totals=report["totals"],
            computed_at=report["computed_at"],
            breakdowns=[(by, impact.BREAKDOWNS[by][0], rows) for by, rows in breakdowns.items()],
            chart_data={
                "county": [
                    {"label": r["key"], "gmv": float(r["gmv"]), "income": float(r["income"])}
                    for r in breakdowns["county"]
                ],
                "month": [
                    {
                        "label": r["key"].strftime("%Y-%m"),
                        "gmv": float(r["gmv"]),
                        "income": float(r["income"]),
                    }
                    for r in breakdowns["month"]
                    if r["key"]
                ],
            },  # fmt: skip
        )
        return ctx

    def render_to_response(self, context, **kwargs):
        if context["period"] is None:
            kwargs.setdefault("status", 400)
        return super().render_to_response(context, **kwargs)


class ImpactExportView(ImpactMixin, TemplateView):
    """/impact/export.xlsx?by=county&date_from=…&date_to=… (or .csv): the breakdown the page
    shows for the same period, as a file; a range that is not valid is a 400 saying why."""

    def get(self, request, *args, **kwargs):
        by = request.GET.get("by", "county")
        side = request.GET.get("side", "")
        if side not in ("", "buyer") or by not in (
            reports.BUYER_SHEETS if side else impact.BREAKDOWNS
        ):
            raise Http404("Unknown breakdown")
        form = PeriodForm(request.GET)
        period = form.period
        if period is None:
            errors = [str(e) for errors in form.errors.values() for e in errors]
            return HttpResponseBadRequest(
                " ".join(errors), content_type="text/plain; charset=utf-8"
            )
        report = impact.report(self.counties, period, self.buyer_district)
        stamp = timezone.localdate().isoformat()
        span = f"{period.start or ''}_{period.end or ''}"
        if side == "buyer":
            sheet = reports.buyer_sheet(
                report["buyer"],
                by,
                scope=reports.buyer_scope_label(self.buyer_district, request.user, self.counties),
                period=(period.start, period.end),
                made_at=report["computed_at"],
            )
            return sheet.as_response(kwargs["fmt"], f"impact-buyers-{by}-{span}-{stamp}")
        sheet = reports.sheet(
            report["breakdowns"][by],
            by,
            totals=report["totals"],
            scope=impact.scope_label(request.user, self.counties),
            period=(period.start, period.end),
            made_at=report["computed_at"],  # the figures' time (the report is cached)
        )
        return sheet.as_response(kwargs["fmt"], f"impact-{by}-{span}-{stamp}")


class CooperativeImpactView(ImpactMixin, TemplateView):
    """One cooperative's figures and member households' income for the period asked (the same
    range, defaults and errors as /impact/); a range that is not valid shows no figures (400)."""

    template_name = "impact/cooperative.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        cooperative = impact.cooperative_in_scope(self.request.user, self.kwargs["slug"])
        form = PeriodForm(self.request.GET)
        period = form.period
        ctx.update(
            cooperative=cooperative,
            form=form,
            period=period,
            period_text=period and period_text(period.start, period.end),
            range_query=form.query(),
        )
        if period is None:
            return ctx
        ctx.update(
            totals=impact.totals(self.counties, cooperative, period),
            memberships=impact.member_households(cooperative, self.request.user, period),
        )
        return ctx

    def render_to_response(self, context, **kwargs):
        if context["period"] is None:
            kwargs.setdefault("status", 400)
        return super().render_to_response(context, **kwargs)


class HouseholdImpactView(ImpactMixin, TemplateView):
    """A household, masked; with the permission and a stated purpose, in full (and logged)."""

    template_name = "impact/household.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        household = impact.household_in_scope(self.request.user, self.kwargs["pk"])
        ctx.update(
            household=household,
            income=impact.household_income(household),
            may_reveal=self.request.user.has_perm("cooperatives.view_household_personal_data"),
            revealed=kwargs.get("revealed", False),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        household = impact.household_in_scope(self.request.user, self.kwargs["pk"])
        if not request.user.has_perm("cooperatives.view_household_personal_data"):
            raise PermissionDenied(_("You may not see households' personal data."))
        purpose = request.POST.get("purpose", "").strip()
        if len(purpose) < 2:
            messages.error(request, _("Say why you need the personal data."))
            return self.render_to_response(self.get_context_data())
        PersonalDataAccess.objects.create(
            user=request.user,
            household=household,
            action=PersonalDataAccess.Action.VIEW,
            purpose=purpose[:200],
        )
        return self.render_to_response(self.get_context_data(revealed=True))
