"""Deployment checks: production must bring its own secrets (no demo defaults) and keep
two-factor login on."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured


def insecure_secrets() -> list[str]:
    names = []
    if settings.SECRET_KEY == settings.INSECURE_SECRET_KEY:
        names.append("SECRET_KEY")
    if settings.FIELD_ENCRYPTION_KEY == settings.INSECURE_FIELD_ENCRYPTION_KEY:
        names.append("FIELD_ENCRYPTION_KEY")
    if settings.STRIPE_SECRET_KEY == "sk_test_localstripe_demo":
        names.append("STRIPE_SECRET_KEY")
    if settings.STRIPE_WEBHOOK_SECRET == "whsec_localstripe_demo":
        names.append("STRIPE_WEBHOOK_SECRET")
    return names


@register(Tags.security, deploy=True)
def secrets_from_environment(app_configs, **kwargs):
    return [
        Error(
            f"{name} is the demo default.",
            hint=f"Set the {name} environment variable to a long random secret.",
            id="jingmeng.E001",
        )
        for name in insecure_secrets()
    ]


def require_production_secrets() -> None:
    """Called by the WSGI/ASGI entry points: refuse to serve production with demo secrets."""
    names = insecure_secrets()
    if names and not settings.DEBUG:
        raise ImproperlyConfigured(
            f"Set {', '.join(names)} in the environment (they have demo defaults only for DEBUG)."
        )


@register(Tags.security, deploy=True)
def two_factor_login_on(app_configs, **kwargs):
    if settings.TWO_FACTOR_REQUIRED:
        return []
    return [
        Warning(
            "Two-factor login is off: staff, officials and cooperative managers sign in with a "
            "password alone, and they can see households' personal data.",
            hint="Unset TWO_FACTOR_REQUIRED (it defaults to on when DEBUG is off).",
            id="jingmeng.W002",
        )
    ]
