from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrderReviewsConfig(AppConfig):
    """Reviews worth reading: Oscar's product reviews, each tied to the shipped order line it is
    about (one review per line), with the buyer's photos. Oscar's reviews app stays unforked."""

    name = "orders.reviews"
    label = "order_reviews"
    verbose_name = _("Purchase reviews")
    default_auto_field = "django.db.models.BigAutoField"
