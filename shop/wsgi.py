import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
application = get_wsgi_application()

from shop.checks import require_production_secrets  # noqa: E402  (needs settings loaded)

require_production_secrets()
