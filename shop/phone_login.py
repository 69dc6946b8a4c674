"""Sign in by mobile number and text-message code (手机号登录), which also signs up on first use.

On the login page, above email and password (templates/oscar/customer/login_registration.html):
the buyer enters a mainland mobile number and taps 获取验证码 (``send_code``: a POST, answered in
JSON to the page's script, static/jingmeng/js/sign-in.js, or with a redirect back without it),
then enters the code and signs in (``sign_in``). The code is checked by ``PhoneCodeBackend``
through ``authenticate()``, so django-axes throttles it like a password (shop/security.py keys
it by the number's account, or by the number): after LOGIN_FAILURE_LIMIT wrong codes the number
is locked from that address. A number seen for the first time gets a new account: no usable
password, no email (the buyer may add one in their profile; nothing is mailed meanwhile).

Staff, officials and managers who sign in this way still owe their authenticator code: the
two-factor middleware (shop/security.py) sends them to it before any page, as after a password.
"""

import logging
import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, authenticate, get_user_model, login
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import phone_codes, sms
from .models import PhoneAccount

logger = logging.getLogger(__name__)

SESSION_NUMBER = "phone_login_number"  # the number a code was last sent to, to fill the field


class PhoneCodeBackend(ModelBackend):
    """``authenticate(request, phone=…, sms_code=…)``: the account of a number whose newest code
    is right, created on its first sign-in. Other credentials are not its business."""

    def authenticate(self, request, phone=None, sms_code=None, **kwargs):
        if phone is None or sms_code is None:
            return None
        try:
            number = phone_codes.normalise(phone)
        except ValidationError:
            return None
        if not phone_codes.verify(number, sms_code):
            return None
        account = PhoneAccount.objects.select_related("user").filter(number=number).first()
        if account is None:
            user = get_user_model().objects.create_user(
                username=f"m{uuid.uuid4().hex[:20]}", email="", password=None
            )
            account = PhoneAccount.objects.create(user=user, number=number)
            logger.info("New account %s signed up by text-message code", user.pk)
        else:
            PhoneAccount.objects.filter(pk=account.pk).update(verified=timezone.now())
        user = account.user
        return user if self.user_can_authenticate(user) else None


class PhoneLoginForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Mobile number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "inputmode": "tel",
                "autocomplete": "tel-national",
                "placeholder": gettext_lazy("11-digit mobile number"),
            }
        ),
    )
    code = forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=6,
        required=False,
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]{6}",
                "maxlength": "6",
                "placeholder": gettext_lazy("6-digit code"),
            }
        ),
    )

    prefix = "phone"

    def clean_number(self):
        return phone_codes.normalise(self.cleaned_data["number"])


def _next_url(request) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _back_to_login(request):
    url = reverse("customer:login")
    target = _next_url(request)
    return redirect(f"{url}?{urlencode({REDIRECT_FIELD_NAME: target})}" if target else url)


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _first_error(form) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return _("Enter a mainland China mobile number: 11 digits starting with 13–19.")


@never_cache
@require_POST
def send_code(request):
    """获取验证码: text a code to the number (within the limits)."""
    form = PhoneLoginForm(request.POST)
    status, wait = 200, 0
    if not sms.enabled():
        status, message = 404, _("Sign-in by text message is not available.")
    elif not form.is_valid():
        status, message = 400, _first_error(form)
    else:
        number = form.cleaned_data["number"]
        request.session[SESSION_NUMBER] = number
        client = getattr(request, "client_ip", "") or None
        try:
            phone_codes.issue(number, client)
        except phone_codes.TooSoon as too_soon:
            status, wait = 429, too_soon.wait
            if wait <= 60:
                message = _("A code was sent a moment ago. Ask again in %(seconds)s s.") % {
                    "seconds": wait
                }
            else:
                message = _("Too many codes were asked for. Ask again in %(minutes)s minutes.") % {
                    "minutes": -(-wait // 60)
                }
        except sms.SmsError as error:
            logger.error("Text-message code not sent: %s", error)
            status, message = 503, _("The text message could not be sent. Try again later.")
        else:
            wait = phone_codes.seconds_to_wait(number, client)  # the button's countdown: 60 s
            message = _(
                "We texted a 6-digit code to %(number)s. It is good for %(minutes)s minutes."
            ) % {
                "number": phone_codes.masked(number),
                "minutes": settings.SMS_CODE_MINUTES,
            }
    if _wants_json(request):
        return JsonResponse(
            {"sent": status == 200, "message": message, "wait": wait}, status=status
        )
    (messages.success if status == 200 else messages.error)(request, message)
    return _back_to_login(request)


@never_cache
@require_POST
def sign_in(request):
    """Sign in with the number and its code; a new number signs up."""
    form = PhoneLoginForm(request.POST)
    if not sms.enabled():
        messages.error(request, _("Sign-in by text message is not available."))
        return _back_to_login(request)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back_to_login(request)
    number, code = form.cleaned_data["number"], form.cleaned_data["code"].strip()
    request.session[SESSION_NUMBER] = number
    if not code:
        messages.error(request, _("Enter the 6-digit code we texted you."))
        return _back_to_login(request)
    user = authenticate(request, phone=number, sms_code=code)
    if user is None:
        # Locked out (django-axes): its middleware answers with the 429 page instead of this.
        messages.error(request, _("That code is not right, or has expired. Ask for a new one."))
        return _back_to_login(request)
    login(request, user)  # authenticate() set user.backend
    request.session.pop(SESSION_NUMBER, None)
    # The two-factor middleware sends staff, officials and managers on to their code first.
    return redirect(_next_url(request) or settings.LOGIN_REDIRECT_URL)
