"""Deployment checks: production must bring its own secrets (no demo defaults), a mail server
(no email written to the log) and keep two-factor login on; livestream hosts must be narrow."""

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


# Django's email backends that deliver nothing. The first two write every email (order details,
# delivery addresses, password-reset links) where it does not belong: the process's log (which
# the log redaction never sees: the console backend writes to stdout itself) or plain files. The
# other two lose every email without a word (no password reset, no order email).
LEAKING_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend": "prints every email to the process's log",
    "django.core.mail.backends.filebased.EmailBackend": "writes every email to plain files",
}
SILENT_EMAIL_BACKENDS = {
    "django.core.mail.backends.locmem.EmailBackend": "keeps every email in memory, sending none",
    "django.core.mail.backends.dummy.EmailBackend": "throws every email away",
}
EMAIL_URL_HINT = (
    "Set EMAIL_URL to the mail server, e.g. smtp+tls://user:password@smtp.example.com:587 "
    "(deploy/env.example)."
)


def leaking_email_backend() -> str | None:
    """What the email backend does wrong in production if it writes emails out, else None."""
    if settings.DEBUG:
        return None
    return LEAKING_EMAIL_BACKENDS.get(settings.EMAIL_BACKEND)


@register(Tags.security, deploy=True)
def email_is_delivered(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    wrong = LEAKING_EMAIL_BACKENDS.get(settings.EMAIL_BACKEND) or SILENT_EMAIL_BACKENDS.get(
        settings.EMAIL_BACKEND
    )
    if not wrong:
        return []
    return [
        Error(
            f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: it {wrong}, order emails and "
            "password-reset links included.",
            hint=EMAIL_URL_HINT,
            id="jingmeng.E003",
        )
    ]


@register(Tags.security)
def livestream_hosts_are_narrow(app_configs, **kwargs):
    """In every environment: such an entry is never honoured (livestream.hosts), say so."""
    from livestream import hosts

    return [
        Error(
            f"LIVESTREAM_ALLOWED_HOSTS: {entry!r} {why}.",
            hint="List the playback domain you play from (live.example.cn, or .example.cn for "
            "the subdomains of a domain of your own); see livestream/hosts.py.",
            id="jingmeng.E004",
        )
        for entry, why in hosts.refused_entries()
    ]


def leaking_sms_backend() -> str | None:
    """In production, the console SMS backend would put every sign-in code in the log: a way
    into any account by its mobile number."""
    if settings.DEBUG or settings.SMS_BACKEND != "console":
        return None
    return "SMS_BACKEND is console: it writes every sign-in code to the log and texts nobody."


SMS_HINT = (
    "Set SMS_BACKEND=aliyun with the ALIYUN_SMS_… settings (docs/configuration.md), or "
    "SMS_BACKEND=none to turn sign-in by text message off."
)


@register(Tags.security, deploy=True)
def sms_is_delivered(app_configs, **kwargs):
    wrong = leaking_sms_backend()
    return [Error(wrong, hint=SMS_HINT, id="jingmeng.E005")] if wrong else []


def refuse_unsafe_production() -> None:
    """Called by the WSGI/ASGI entry points: refuse to serve production with demo secrets, or with
    an email backend that writes emails out (a password-reset link in the log is a way into the
    account). Celery's processes start after deploy/bin/release, whose ``check --deploy`` refuses
    the same (and the emails that only get lost: jingmeng.E003)."""
    if settings.DEBUG:
        return
    problems = []
    if names := insecure_secrets():
        problems.append(
            f"Set {', '.join(names)} in the environment (they have demo defaults only for DEBUG)."
        )
    if wrong := leaking_email_backend():
        problems.append(f"EMAIL_BACKEND {wrong}. {EMAIL_URL_HINT}")
    if wrong := leaking_sms_backend():
        problems.append(f"{wrong} {SMS_HINT}")
    if problems:
        raise ImproperlyConfigured(" ".join(problems))


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
