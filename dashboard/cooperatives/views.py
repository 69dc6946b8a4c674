"""Dashboard pages for cooperatives (staff only: see apps.py for the permissions).

Managers are added through Oscar's own partner pages (a cooperative's partner users), which this
list links to; what managers themselves may see is Oscar's partner-scoped catalogue dashboard.
"""

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, ListView, UpdateView

from cooperatives.models import Cooperative


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
