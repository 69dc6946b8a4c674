"""The login page's 手机号登录 form (shop/phone_login.py), with the number a code was last sent to
filled in."""

from django import template

from shop import sms
from shop.phone_codes import masked
from shop.phone_login import SESSION_NUMBER, PhoneLoginForm

register = template.Library()


@register.simple_tag(takes_context=True)
def phone_login_form(context):
    """The form, or None when sign-in by text message is off (SMS_BACKEND=none)."""
    if not sms.enabled():
        return None
    request = context.get("request")
    number = request.session.get(SESSION_NUMBER, "") if request is not None else ""
    form = PhoneLoginForm(initial={"number": number.removeprefix("+86")})
    form.sent_to = masked(number) if number else ""
    return form
