from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperativesConfig(AppConfig):
    name = "cooperatives"
    verbose_name = _("Cooperatives")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from PIL import Image

        from . import receivers  # noqa: F401
        from .uploads import MAX_PIXELS

        # Pillow's own bomb check (a warning past the limit, an error past twice it) guards
        # every place a stored picture is opened, thumbnails included; uploads are refused at
        # MAX_PIXELS from the header already. Pillow's default is 89 million.
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
