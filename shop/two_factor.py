"""Two-factor login pages (django-otp, TOTP): enrol an authenticator app, then enter its code.

Staff, officials and cooperative managers are sent here after their password
(``shop.security.TwoFactorRequiredMiddleware``). The first time they scan a QR code (or type the
key) into any TOTP app (Google/Microsoft Authenticator, 腾讯身份验证器…) and confirm one code; from
then on each sign-in asks for the current code. django-otp throttles wrong codes (each failure
doubles the wait). A lost phone: an administrator deletes the device in /admin/ (OTP_TOTP) and the
user enrols again at their next sign-in.
"""

import io

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "authenticator"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("6-digit code"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}
        ),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError(_("The code is 6 digits."))
        return code


def _next_url(request) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _check(device: TOTPDevice, form: CodeForm) -> bool:
    """Verify the code against the device, honouring django-otp's throttle; errors on the form."""
    allowed, _data = device.verify_is_allowed()
    if not allowed:
        form.add_error("code", _("Too many wrong codes. Wait a minute and try again."))
        return False
    if not device.verify_token(form.cleaned_data["code"]):
        form.add_error("code", _("That code is not right (or has expired). Try the current one."))
        return False
    return True


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode()


@never_cache
@login_required
def setup(request):
    """Enrol an authenticator: show its key (QR code and text) and confirm it with one code."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        url, query = reverse("two-factor-verify"), request.META.get("QUERY_STRING")
        return redirect(f"{url}?{query}" if query else url)
    pending = TOTPDevice.objects.filter(user=request.user, confirmed=False)
    if request.method == "POST":
        device = pending.order_by("-pk").first()
        if device is None:  # the page was not opened first (or is from another sign-in)
            return redirect("two-factor-setup")
    else:
        # A new key every time the page is shown: a key someone saw earlier (over a shoulder,
        # with a phished password) is gone before the real user scans theirs.
        pending.delete()
        device = TOTPDevice.objects.create(user=request.user, name=DEVICE_NAME, confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if _check(device, form):
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                otp_login(request, device)
                return redirect(_next_url(request))
    secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    return render(
        request,
        "shop/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 (our own SVG)
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "next": _next_url(request),
        },
    )


@never_cache
@login_required
def verify(request):
    """Enter the current code of the enrolled authenticator."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect("two-factor-setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if _check(device, form):
                otp_login(request, device)
                return redirect(_next_url(request))
    return render(
        request, "shop/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )
