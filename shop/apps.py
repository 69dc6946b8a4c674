from django.apps import AppConfig


class ShopConfig(AppConfig):
    """The project itself: site-wide views, template tags, demo data command."""

    name = "shop"
    verbose_name = "Jingmeng Market"
