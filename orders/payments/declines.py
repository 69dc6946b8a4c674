"""What the buyer is told when Stripe refuses a card: Stripe's decline codes in the store's words.

Stripe's own message ("Your card was declined.") is English whatever the buyer's language, so it
is never shown. Its ``decline_code`` (the issuer's reason: ``insufficient_funds``, ``lost_card``…)
is looked up first, then its ``code`` (``card_declined``, ``expired_card``, ``incorrect_cvc``…);
anything unknown gets the general message. The same table goes to the payment page
(``payment.js``) for what Stripe.js itself refuses in the browser (an incomplete number, a
3-D Secure check that failed).

English msgids, translated in ``locale/zh_Hans``: the store is Chinese first.
"""

from django.utils.translation import gettext_lazy as _

GENERAL = _("The payment did not go through. Please use another card or try again later.")

_DECLINED = _("Your card was declined. Please use another card.")
_CALL_BANK = _("Your bank declined this payment. Please contact your bank or use another card.")
_NOT_ALLOWED = _("This card cannot be used for this payment. Please use another card.")

MESSAGES = {
    # decline codes (the issuer's reason)
    "generic_decline": _DECLINED,
    "insufficient_funds": _("Your card has insufficient funds. Please use another card."),
    "lost_card": _CALL_BANK,
    "stolen_card": _CALL_BANK,
    "pickup_card": _CALL_BANK,
    "restricted_card": _CALL_BANK,
    "security_violation": _CALL_BANK,
    "fraudulent": _DECLINED,
    "do_not_honor": _CALL_BANK,
    "do_not_try_again": _CALL_BANK,
    "call_issuer": _CALL_BANK,
    "card_velocity_exceeded": _("This card has reached its limit. Please use another card."),
    "withdrawal_count_limit_exceeded": _(
        "This card has reached its limit. Please use another card."
    ),
    "card_not_supported": _NOT_ALLOWED,
    "currency_not_supported": _NOT_ALLOWED,
    "transaction_not_allowed": _NOT_ALLOWED,
    "not_permitted": _NOT_ALLOWED,
    "try_again_later": GENERAL,
    "issuer_not_available": GENERAL,
    "authentication_required": _(
        "Your bank needs to verify this payment, and the verification did not succeed. "
        "Please try again or use another card."
    ),
    # error codes (Stripe's own)
    "card_declined": _DECLINED,
    "expired_card": _("Your card has expired. Please use another card."),
    "incorrect_cvc": _("The card's security code (CVC) is incorrect. Please check it."),
    "invalid_cvc": _("The card's security code (CVC) is incorrect. Please check it."),
    "incorrect_number": _("The card number is incorrect. Please check it."),
    "invalid_number": _("The card number is incorrect. Please check it."),
    "incomplete_number": _("The card number is incomplete."),
    "incomplete_cvc": _("The card's security code (CVC) is incomplete."),
    "incomplete_expiry": _("The card's expiry date is incomplete."),
    "invalid_expiry_month": _("The card's expiry date is invalid."),
    "invalid_expiry_year": _("The card's expiry date is invalid."),
    "invalid_expiry_year_past": _("Your card has expired. Please use another card."),
    "incorrect_zip": _("The card's postcode is incorrect."),
    "processing_error": _(
        "Something went wrong while your card was being charged. No money was taken; "
        "please try again."
    ),
    "payment_intent_authentication_failure": _(
        "Your bank's verification of this payment did not succeed. No money was taken; "
        "please try again or use another card."
    ),
    "setup_intent_authentication_failure": _(
        "Your bank's verification of this payment did not succeed. No money was taken; "
        "please try again or use another card."
    ),
    "payment_method_not_available": _NOT_ALLOWED,
}


def decline_message(code: str | None = None, decline_code: str | None = None) -> str:
    """The buyer's message for a refusal: by ``decline_code`` first, then ``code``."""
    for key in (decline_code, code):
        if key and key in MESSAGES:
            return str(MESSAGES[key])
    return str(GENERAL)


def messages_for_page() -> dict[str, str]:
    """The table as the payment page hands it to ``payment.js`` (in the page's language)."""
    return {key: str(message) for key, message in MESSAGES.items()}
