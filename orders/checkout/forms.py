"""Oscar's checkout forms, forked: the shipping address is a Chinese one."""

from oscar.apps.checkout.forms import ShippingAddressForm as OscarShippingAddressForm

from orders.address.forms import ChineseAddressFormMixin


class ShippingAddressForm(ChineseAddressFormMixin, OscarShippingAddressForm):
    pass
