from django.apps import AppConfig


class ShopConfig(AppConfig):
    """The project itself: site-wide views, template tags, checks, the demo data command."""

    name = "shop"
    verbose_name = "Jingmeng Market"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deployment checks)
