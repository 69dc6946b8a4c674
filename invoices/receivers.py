"""Follow the order's money: a refund recorded (``orders.signals.order_refunded``, inside the
lifecycle's transaction) lowers a pending invoice or asks for a red invoice."""

from . import services


def on_order_refunded(sender, order, event, parts, at=None, **kwargs):
    services.refunded(order, event, parts)
