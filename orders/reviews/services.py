"""Who may review what, and writing a review (HackSoft styleguide: the rule in one place, the
view stays thin).

A signed-in buyer may review a product once per order line of theirs that has gone out (the line
已发货, its order 部分发货/已发货/已完成; a refunded line is 已退款 and does not count). Oscar's
``ProductReview`` also keeps one review per buyer and product (its ``unique_together``), so a
buyer who bought the product again reviews it once all the same."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from orders import statuses

from .models import LineReview, ReviewPhoto

Line = get_model("order", "Line")
ProductReview = get_model("reviews", "ProductReview")

SHIPPED_LINE_STATUSES = (statuses.SHIPPED, statuses.COMPLETED)
SHIPPED_ORDER_STATUSES = (statuses.PARTLY_SHIPPED, statuses.SHIPPED, statuses.COMPLETED)


def refusal() -> str:
    return _("Products not bought or not yet shipped cannot be reviewed yet.")


def reviewable_lines(user, product):
    """The buyer's shipped lines of ``product`` not reviewed yet (none for a visitor)."""
    if not user.is_authenticated:
        return Line.objects.none()
    return Line.objects.filter(
        order__user=user,
        order__status__in=SHIPPED_ORDER_STATUSES,
        product=product,
        status__in=SHIPPED_LINE_STATUSES,
        review_link__isnull=True,
    ).order_by("pk")


def may_review(user, product) -> bool:
    """The product page's 写评价, and the review form's gate."""
    if not user.is_authenticated:
        return False
    if ProductReview.objects.filter(product=product, user=user).exists():
        return False  # Oscar's one review per buyer and product
    return reviewable_lines(user, product).exists()


def write_review(user, product, *, title, score, body, photos=()) -> "ProductReview":
    """The review (waiting for moderation: ``OSCAR_MODERATE_REVIEWS``), tied to the buyer's
    oldest unreviewed shipped line of the product, with its re-encoded ``photos``. Raises
    ``PermissionDenied`` (nothing written) when the buyer may not review it (now)."""
    try:
        with transaction.atomic():
            # the line alone is locked (its review is an outer join: PostgreSQL locks no NULL side)
            line = reviewable_lines(user, product).select_for_update(of=("self",)).first()
            if line is None or ProductReview.objects.filter(product=product, user=user).exists():
                raise PermissionDenied(refusal())
            review = ProductReview(product=product, user=user, title=title, score=score, body=body)
            review.full_clean(exclude=["product", "user"])
            review.save()
            LineReview.objects.create(review=review, line=line)
            for position, photo in enumerate(photos):
                ReviewPhoto.objects.create(review=review, image=photo, position=position)
    except IntegrityError as error:  # a second request for the same line or product won the race
        raise PermissionDenied(refusal()) from error
    return review
