from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImpactConfig(AppConfig):
    """Officials' reporting: scopes, reports and exports, the personal-data access log, and the one
    definition of a sale (impact.sales) that the manager's sales home and live stats use too."""

    name = "impact"
    verbose_name = _("Impact")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import rollups

        rollups.connect()
