"""Organisation buyers in the dashboard (staff): the applications, pending first, each with its
licence; approve, or reject with a reason (the applicant is emailed either way)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from organisations import selectors, services
from organisations.forms import RejectForm
from organisations.models import Organisation
from organisations.views import licence_response


class OrganisationListView(View):
    def get(self, request):
        status = request.GET.get("status", "")
        organisations = selectors.pending_first(status=status)
        return render(
            request,
            "oscar/dashboard/organisations/organisation_list.html",
            {
                "organisations": organisations[:500],
                "status": status if status in Organisation.Status.values else "",
                "statuses": [  # the words of the status badges (organisations/_status.html)
                    (Organisation.Status.PENDING, _("Waiting for approval")),
                    (Organisation.Status.APPROVED, _("Approved")),
                    (Organisation.Status.REJECTED, _("Not approved")),
                ],
                "pending": Organisation.objects.filter(status=Organisation.Status.PENDING).count(),
            },
        )


class OrganisationDetailView(View):
    template_name = "oscar/dashboard/organisations/organisation_detail.html"

    def page(self, request, organisation, reject_form=None):
        return render(
            request,
            self.template_name,
            {
                "organisation": organisation,
                "reject_form": reject_form or RejectForm(),
                "members": selectors.members_of(organisation),
            },
        )

    def get(self, request, pk):
        organisation = get_object_or_404(Organisation.objects.select_related("applied_by"), pk=pk)
        return self.page(request, organisation)

    def post(self, request, pk):
        organisation = get_object_or_404(Organisation.objects.select_related("applied_by"), pk=pk)
        reject_form = None
        try:
            if request.POST.get("decision") == "approve":
                services.approve(organisation, by=request.user)
                messages.success(request, _("%(name)s is approved.") % {"name": organisation.name})
                return redirect("dashboard:organisation-list")
            if request.POST.get("decision") == "reject":
                reject_form = RejectForm(request.POST)
                if reject_form.is_valid():
                    services.reject(
                        organisation, by=request.user, reason=reject_form.cleaned_data["reason"]
                    )
                    messages.success(
                        request, _("%(name)s is rejected.") % {"name": organisation.name}
                    )
                    return redirect("dashboard:organisation-list")
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            organisation.refresh_from_db()
        return self.page(request, organisation, reject_form)


class LicenceView(View):
    """The licence picture (private storage), for staff."""

    def get(self, request, pk):
        return licence_response(get_object_or_404(Organisation, pk=pk))
