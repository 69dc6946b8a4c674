"""The issue's "trivial Django view", for calibration: Django with no middleware, no apps and one
view that runs ``SELECT 1`` on a persistent connection, served by the same gunicorn as the store
(``flash_sale.py`` starts it after the store's pages). The issue measured such a view at about
5,900 requests/s on its machine; this one's figure says how fast this machine is beside that one,
and the store's ``/healthz`` beside it what the store's middleware costs.

    gunicorn bench.bare_django:application   # DATABASE_URL as for the store
"""

import os

import environ
from django.conf import settings

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    SECRET_KEY=os.environ.get("SECRET_KEY", "bench-bare-django-calibration-only"),
    DATABASES={
        "default": {
            **environ.Env.db_url_config(os.environ["DATABASE_URL"]),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    },
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)

import django  # noqa: E402

django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402


def trivial(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("trivial", trivial)]
application = get_wsgi_application()
