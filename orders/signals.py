"""The order app's own signals (Oscar's are in ``oscar.apps.order.signals``)."""

from django.dispatch import Signal

# Sent (with ``order``) before a buyer's unpaid order is cancelled, outside any transaction. The
# lifecycle's ``cancel_unpaid`` needs its caller to have made sure no payment can still arrive:
# payments (``orders.payments.receivers``) cancels the order's open intents here, and a receiver
# that cannot make sure (a payment went through, or Stripe is unreachable) returns False, which
# refuses the cancellation.
unpaid_order_cancelling = Signal()

# Sent (with ``request``, an AfterSalesRequest just saved with its lines) inside the request's
# transaction: payments checks that no refund already holds those units; raising
# ``orders.aftersales.AfterSalesRefused`` refuses the request, and nothing of it is kept. (An
# agreed case is refunded by ``orders.payments.aftersales.refund_case``, called by the dashboard.)
after_sales_requested = Signal()

# Sent after commit, by the order emails' tasks (``orders.emails``), in place of the "placed"
# (while unpaid), "paid" and "shipped" emails when the buyer has no email address (a guest who
# gave only a mobile number, an account made by signing in with a text-message code): with
# ``order``, ``event`` ("placed", "paid" or "shipped"), ``params`` (the message's variables:
# ``order``, its number; ``link``, the signed pay link (placed); ``carrier`` and ``tracking``
# (shipped)) and ``mobile``, the order's delivery mobile number (``+86…``) or "". shop
# (``shop.order_texts``) texts the buyer and returns True when a text went out; the order and its
# task never wait on a receiver's failure (``send_robust``: it is logged).
order_notice_without_email = Signal()

# Sent inside the lifecycle's transactions (``orders.services``), for what keeps figures of its
# own in step with the orders (impact's rollups) or follows an order's money (invoices):
# ``order_paid`` with ``order`` (已付款 now, ``buyer_district`` set) and ``at`` (when the money
# came); ``order_refunded`` with ``order``, ``event`` (the "refunded" PaymentEvent), ``parts``
# (``orders.services.RefundedPart`` list: line, quantity, amount; empty when a payment the order
# could not take went back whole) and ``at`` (when the money went back). A receiver that raises
# rolls the step back: keep them to writes that cannot fail for a reason of their own.
order_paid = Signal()
order_refunded = Signal()
