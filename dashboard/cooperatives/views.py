"""Dashboard pages for cooperatives (staff only: see apps.py for the permissions).

Managers are added through Oscar's own partner pages (a cooperative's partner users), which this
list links to; what managers themselves may see is Oscar's partner-scoped catalogue dashboard.
"""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.validators import FileExtensionValidator
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DetailView, FormView, ListView, UpdateView

from cooperatives import services
from cooperatives.imports import COLUMNS, LIMITS, import_households
from cooperatives.models import Cooperative, HouseholdImport, Membership
from cooperatives.uploads import PictureField

MAX_IMPORT_BYTES = LIMITS.max_bytes  # 20 MB, as the message below says


class CooperativeForm(forms.ModelForm):
    class Meta:
        model = Cooperative
        fields = [
            "name",
            "county",
            "credit_code",
            "tagline",
            "village",
            "story",
            "logo",
            "contact_phone",
            "benefit_share",
            "is_active",
        ]
        field_classes = {"logo": PictureField}  # re-encoded, as on the manager's profile page


class CooperativeListView(ListView):
    template_name = "oscar/dashboard/cooperatives/cooperative_list.html"
    context_object_name = "cooperatives"
    paginate_by = 50

    def get_queryset(self):
        return (
            Cooperative.objects.select_related("county", "partner")
            .prefetch_related("partner__users")
            .annotate(product_count=Count("products", distinct=True))
            .order_by("county__league", "county__name", "name")
        )


class _CooperativeFormMixin:
    model = Cooperative
    form_class = CooperativeForm
    template_name = "oscar/dashboard/cooperatives/cooperative_form.html"
    success_url = reverse_lazy("dashboard:cooperative-list")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Cooperative “%s” saved.") % self.object.name)
        return response


class CooperativeCreateView(_CooperativeFormMixin, CreateView):
    pass


class CooperativeUpdateView(_CooperativeFormMixin, UpdateView):
    pass


# --- Households: managers see their members (masked); staff import lists -------------------


class HouseholdListView(ListView):
    """Member households with their attributed income. Managers: only their cooperatives'."""

    template_name = "oscar/dashboard/cooperatives/household_list.html"
    context_object_name = "memberships"
    paginate_by = 50

    def get_queryset(self):
        return (
            Membership.objects.filter(
                cooperative__in=Cooperative.objects.for_manager(self.request.user)
            )
            .select_related("household", "household__county", "cooperative")
            .annotate(
                income=Coalesce(
                    Sum("household__benefits__amount",
                        filter=Q(household__benefits__cooperative=F("cooperative"))),
                    Decimal("0.00"),
                )
            )
            .order_by("cooperative__name", "household__village", "household__number")
        )  # fmt: skip


class HouseholdImportForm(forms.Form):
    file = forms.FileField(
        label=_("Household list (CSV or XLSX)"),
        validators=[FileExtensionValidator(["csv", "xlsx"])],
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


class HouseholdImportView(FormView):
    """Upload a household list: small files are imported at once, large ones by a worker."""

    template_name = "oscar/dashboard/cooperatives/household_import.html"
    form_class = HouseholdImportForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["columns"] = COLUMNS.values()
        ctx["recent"] = HouseholdImport.objects.filter(user=self.request.user)[:5]
        return ctx

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        if upload.size > settings.HOUSEHOLD_IMPORT_SYNC_MAX_BYTES:
            job = services.queue_household_import(self.request.user, upload)
            return redirect("dashboard:household-import-job", pk=job.pk)
        result = import_households(upload.read(), upload.name)
        if not result.ok:
            return self.render_to_response(self.get_context_data(form=form, result=result))
        messages.success(self.request, _("Imported %d households.") % result.created)
        return redirect("dashboard:household-list")


class HouseholdImportJobView(DetailView):
    """Progress of a queued import; ?format=json for the page's polling."""

    template_name = "oscar/dashboard/cooperatives/household_import_job.html"
    context_object_name = "job"

    def get_queryset(self):
        return HouseholdImport.objects.filter(user=self.request.user)

    def render_to_response(self, context, **kwargs):
        if self.request.GET.get("format") == "json":
            job = self.object
            return JsonResponse(
                {"status": job.status, "percent": job.percent,
                 "created": job.created_households, "errors": job.errors[:200]}
            )  # fmt: skip
        return super().render_to_response(context, **kwargs)
