"""Staff dashboard pages for cooperatives, in Oscar's dashboard look (staff only).

Managers are added through Oscar's own partner pages (a cooperative's partner users), which this
list links to; what managers themselves may see is Oscar's partner-scoped catalogue dashboard.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Count
from django.urls import path, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, ListView, UpdateView

from .models import Cooperative


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


@method_decorator(staff_member_required(login_url=reverse_lazy("customer:login")), name="dispatch")
class CooperativeListView(ListView):
    template_name = "cooperatives/dashboard/cooperative_list.html"
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
    template_name = "cooperatives/dashboard/cooperative_form.html"
    success_url = reverse_lazy("cooperatives-dashboard:cooperative-list")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Cooperative “%s” saved.") % self.object.name)
        return response


@method_decorator(staff_member_required(login_url=reverse_lazy("customer:login")), name="dispatch")
class CooperativeCreateView(_CooperativeFormMixin, CreateView):
    pass


@method_decorator(staff_member_required(login_url=reverse_lazy("customer:login")), name="dispatch")
class CooperativeUpdateView(_CooperativeFormMixin, UpdateView):
    pass


app_name = "cooperatives-dashboard"
urlpatterns = [
    path("", CooperativeListView.as_view(), name="cooperative-list"),
    path("create/", CooperativeCreateView.as_view(), name="cooperative-create"),
    path("<int:pk>/", CooperativeUpdateView.as_view(), name="cooperative-update"),
]
