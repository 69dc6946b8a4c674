from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LivestreamConfig(AppConfig):
    name = "livestream"
    verbose_name = _("Livestreams")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The offer's condition and benefit are proxy models of Oscar's (livestream.offers),
        # registered with the app's models here: that module builds on models.py, which does
        # not import it.
        from . import offers, receivers  # noqa: F401
