"""What Oscar's ``ProductReview`` lacks for a verified-purchase review: the order line it is
about, and the buyer's photos. Kept beside Oscar's reviews app rather than in a fork of it, so
Oscar's review model and migrations stay Oscar's (upgrade-safe)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_PHOTOS = 6


class LineReview(models.Model):
    """A review's order line: one review per line (the line is unique), written by the line's
    buyer once it shipped (``orders.reviews.services``)."""

    review = models.OneToOneField(
        "reviews.ProductReview", on_delete=models.CASCADE, related_name="purchase"
    )
    line = models.OneToOneField(
        "order.Line", on_delete=models.CASCADE, related_name="review_link", verbose_name=_("line")
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("purchase review")

    def __str__(self):
        return f"{self.review_id} ↔ {self.line_id}"


class ReviewPhoto(models.Model):
    """A buyer's photo with their review, re-encoded on upload (``cooperatives.uploads``)."""

    review = models.ForeignKey(
        "reviews.ProductReview", on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("photo"), upload_to="reviews/%Y/%m/", max_length=255)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("review photo")

    def __str__(self):
        return self.image.name
