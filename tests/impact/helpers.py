"""Helpers the /impact/ date-range tests share."""

from zoneinfo import ZoneInfo

import time_machine

from cooperatives.ledger import post_sale_shares
from orders import statuses
from tests.factories import make_order

BEIJING = ZoneInfo("Asia/Shanghai")


def paid_at(moment, product, quantity):
    """An order placed and paid at ``moment`` (its ledger dated then too)."""
    with time_machine.travel(moment, tick=False):
        order = make_order([(product, quantity)], status=statuses.PAID)
        post_sale_shares(order)  # (already posted when paid: posting twice adds nothing)
    return order
