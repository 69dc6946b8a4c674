"""A manager's own cooperative: profile and pictures, certification requests; staff review them."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from oscar.core.loading import get_model

from cooperatives import services
from cooperatives.models import CertificationRequest, Cooperative

Product = get_model("catalogue", "Product")


class ProfileForm(forms.ModelForm):
    logo_upload = forms.FileField(label=gettext_lazy("New logo"), required=False)
    photo_upload = forms.FileField(label=gettext_lazy("Add a photo"), required=False)
    photo_caption = forms.CharField(
        label=gettext_lazy("Photo caption"), max_length=120, required=False
    )

    class Meta:
        model = Cooperative
        fields = ["tagline", "story", "village", "contact_phone"]
        widgets = {"story": forms.Textarea(attrs={"rows": 6})}


class CertificationForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.none(), label=gettext_lazy("Product"))
    number = forms.CharField(label=gettext_lazy("Certification number"), max_length=64)
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    document = forms.FileField(label=gettext_lazy("Certificate (PDF or picture)"))

    def __init__(self, *args, cooperative, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(cooperative=cooperative).order_by(
            "title"
        )


def cooperative_for(request):
    """The manager's cooperative (the first they manage), or staff's ``?cooperative=``."""
    cooperatives = Cooperative.objects.for_manager(request.user)
    pk = request.GET.get("cooperative", "")
    if pk.isascii() and pk.isdigit():
        return get_object_or_404(cooperatives, pk=int(pk))
    cooperative = cooperatives.order_by("name").first()
    if cooperative is None:
        raise Http404(_("You manage no cooperative."))
    return cooperative


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class ProfileView(View):
    template_name = "oscar/dashboard/cooperatives/profile.html"

    def context(self, cooperative, form=None, cert_form=None):
        return {
            "cooperative": cooperative,
            "form": form or ProfileForm(instance=cooperative),
            "cert_form": cert_form or CertificationForm(cooperative=cooperative),
            "photos": cooperative.photos.all(),
            "cert_requests": CertificationRequest.objects.filter(
                product__cooperative=cooperative
            ).select_related("product")[:20],
        }

    def get(self, request):
        return render(request, self.template_name, self.context(cooperative_for(request)))

    def post(self, request):
        cooperative = cooperative_for(request)
        if request.POST.get("action") == "certification":
            cert_form = CertificationForm(request.POST, request.FILES, cooperative=cooperative)
            if cert_form.is_valid():
                try:
                    services.request_certification(
                        cert_form.cleaned_data["product"],
                        number=cert_form.cleaned_data["number"],
                        valid_until=cert_form.cleaned_data["valid_until"],
                        document=cert_form.cleaned_data["document"],
                        user=request.user,
                    )
                except ValidationError as error:
                    cert_form.add_error("document", error)
                else:
                    messages.success(request, _("Sent to staff for review."))
                    return redirect(request.get_full_path())
            return render(
                request, self.template_name, self.context(cooperative, cert_form=cert_form)
            )
        form = ProfileForm(
            request.POST, request.FILES, instance=Cooperative.objects.get(pk=cooperative.pk)
        )
        if form.is_valid():
            try:
                services.update_profile(
                    cooperative,
                    fields={k: form.cleaned_data[k] for k in ProfileForm.Meta.fields},
                    logo=form.cleaned_data.get("logo_upload"),
                    photo=form.cleaned_data.get("photo_upload"),
                    caption=form.cleaned_data.get("photo_caption", ""),
                    user=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Profile saved."))
                return redirect(request.get_full_path())
        return render(request, self.template_name, self.context(cooperative, form=form))


class CertificationDocumentView(View):
    """Staff only: the certificate, always as a download (never rendered by the browser)."""

    def get(self, request, pk):
        from django.http import FileResponse

        item = get_object_or_404(CertificationRequest, pk=pk)
        is_pdf = item.document.name.endswith(".pdf")
        response = FileResponse(
            item.document.open("rb"),
            as_attachment=True,
            filename=f"certificate-{item.pk}.{'pdf' if is_pdf else 'jpg'}",
            content_type="application/pdf" if is_pdf else "image/jpeg",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class CertificationReviewView(View):
    """Staff only (the dashboard's default permission)."""

    def get(self, request):
        pending = CertificationRequest.objects.filter(
            status=CertificationRequest.Status.REQUESTED
        ).select_related("product", "product__cooperative", "requested_by")
        return render(
            request, "oscar/dashboard/cooperatives/certification_review.html", {"pending": pending}
        )

    def post(self, request):
        pk = request.POST.get("request", "")
        if not (pk.isascii() and pk.isdigit()):
            return redirect("dashboard:certification-review")
        item = get_object_or_404(CertificationRequest, pk=int(pk))
        services.decide_certification(
            item, approve=request.POST.get("decision") == "approve", user=request.user
        )
        messages.success(request, _("Decision recorded."))
        return redirect("dashboard:certification-review")
