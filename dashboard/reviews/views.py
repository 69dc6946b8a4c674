"""Oscar's review moderation, scoped: a manager's list, bulk status change and review page reach
only reviews of their cooperative's products (another's review is a 404 and is left alone by a
bulk change); staff reach all."""

from django import forms
from django.http import HttpResponseRedirect
from django.urls import reverse
from oscar.apps.dashboard.reviews import views
from oscar.core.loading import get_model

from cooperatives.models import Cooperative

ProductReview = get_model("reviews", "ProductReview")
STATUSES = {status for status, _label in ProductReview.STATUS_CHOICES}


def reviews_for(user, queryset):
    """The reviews ``user`` moderates: staff all; a manager those of their cooperative's
    products."""
    if user.is_staff:
        return queryset
    return queryset.filter(product__cooperative__in=Cooperative.objects.for_manager(user))


class ManagerReviewForm(forms.ModelForm):
    """A manager approves or rejects; the buyer's words are not theirs to edit."""

    status = views.DashboardProductReviewForm.base_fields["status"]

    class Meta:
        model = ProductReview
        fields = ("status",)


class ReviewListView(views.ReviewListView):
    def get_queryset(self):
        return reviews_for(self.request.user, super().get_queryset())

    def update_selected_review_status(self, request, reviews):
        """``reviews`` come from the scoped queryset (BulkEditMixin.get_objects)."""
        try:
            new_status = int(request.POST.get("status", ""))
        except ValueError:
            new_status = None
        if new_status in STATUSES:
            for review in reviews:
                review.status = new_status
                review.save()  # Oscar's: the product's rating follows
        return HttpResponseRedirect(reverse("dashboard:reviews-list"))


class ReviewUpdateView(views.ReviewUpdateView):
    def get_queryset(self):
        return reviews_for(self.request.user, ProductReview.objects.select_related("product"))

    def get_form_class(self):
        return self.form_class if self.request.user.is_staff else ManagerReviewForm
