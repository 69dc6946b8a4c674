"""Oscar's order app, forked. Addresses display in Chinese order (省 市 区 详细地址)."""

from oscar.apps.address.abstract_models import AbstractBillingAddress, AbstractShippingAddress

from orders.address.chinese import ChineseAddressMixin


class ShippingAddress(ChineseAddressMixin, AbstractShippingAddress):
    pass


class BillingAddress(ChineseAddressMixin, AbstractBillingAddress):
    pass


from oscar.apps.order.models import *  # noqa: E402
