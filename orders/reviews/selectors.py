"""Reads for the product page's reviews."""

from oscar.core.loading import get_model

ProductReview = get_model("reviews", "ProductReview")


def approved_reviews(product, limit=None):
    """The product's approved reviews, newest first, with their order line link (the 已购
    badge) and photos in two queries, whatever their number."""
    reviews = (
        ProductReview.objects.approved()
        .filter(product=product)
        .select_related("user", "purchase")
        .prefetch_related("photos")
        .order_by("-date_created", "-pk")
    )
    return list(reviews[:limit] if limit else reviews)
