"""The buyer's review form, in place of Oscar's (same URL and name, ``catalogue:reviews-add``:
shop/urls.py mounts it first). Whoever may not review the product is sent back to it with
``services.refusal()``, and nothing is written."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from oscar.core.loading import get_class, get_model

from . import services
from .forms import ReviewForm

Product = get_model("catalogue", "Product")
ProductReview = get_model("reviews", "ProductReview")


def write_review(request, product_slug, product_pk):
    product = get_object_or_404(Product, pk=product_pk, is_public=True)
    if not services.may_review(request.user, product):
        messages.warning(request, services.refusal())
        return redirect(product.get_absolute_url())
    form = ReviewForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.write_review(
                request.user,
                product,
                title=data["title"],
                score=data["score"],
                body=data["body"],
                photos=data["photos"],
            )
        except PermissionDenied as refused:
            messages.warning(request, str(refused))
        else:
            messages.success(
                request, _("Thank you: your review is shown once the store has checked it.")
            )
        return redirect(product.get_absolute_url())
    return TemplateResponse(request, "reviews/write.html", {"product": product, "form": form})


class ApprovedReviewDetail(get_class("catalogue.reviews.views", "ProductReviewDetail")):
    """Oscar's review page, for approved reviews of that product only: Oscar's own shows any
    review by its number, one waiting for moderation (or rejected) too."""

    def get_queryset(self):
        return ProductReview.objects.approved().filter(product_id=self.kwargs["product_pk"])
