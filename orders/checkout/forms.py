"""Oscar's checkout forms, forked: the shipping address is a Chinese one, and the one-page
checkout's choices (the guest's email, an address from the book, the shipping method)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.apps.checkout.forms import ShippingAddressForm as OscarShippingAddressForm

from orders.address.forms import ChineseAddressFormMixin

NEW_ADDRESS = "new"
PERSONAL = "personal"


class ShippingAddressForm(ChineseAddressFormMixin, OscarShippingAddressForm):
    pass


def address_label(address) -> str:
    """李华 139****5678 北京市 房山区 良乡镇拱辰大街 1 号: the number masked, as on a parcel."""
    return " ".join(
        filter(None, [address.first_name, address.masked_mobile, address.region_and_detail])
    )


class CheckoutForm(forms.Form):
    """What the one-page checkout asks besides a new address: a guest's email, which saved
    address (or a new one) a signed-in buyer ships to, and the shipping method when there is
    more than one. Each field is there only when there is something to ask."""

    def __init__(self, *args, guest, addresses, methods, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        if organisations:
            # A member of an approved organisation buys as a person or for it (issue 26).
            self.fields["buy_for"] = forms.ChoiceField(
                label=_("Buying as"),
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                choices=[(PERSONAL, _("Buy as a person"))]
                + [(str(o.pk), _("Buy for «%(name)s»") % {"name": o.name}) for o in organisations],
                initial=PERSONAL,
            )
        if guest:
            # Optional: a guest is known by the address's mobile number (the order look-up,
            # /track/, finds the order by its number and that mobile number).
            self.fields["email"] = forms.EmailField(
                label=_("Email"),
                required=False,
                help_text=_(
                    "Optional: your order confirmation is sent here. Without it, find your "
                    "order with its number and your mobile number."
                ),
                widget=forms.EmailInput(attrs={"autocomplete": "email"}),
            )
        if addresses:
            self.fields["address"] = forms.ChoiceField(
                label=_("Ship to"),
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                choices=[(str(a.pk), address_label(a)) for a in addresses]
                + [(NEW_ADDRESS, _("A new address"))],
                initial=str(addresses[0].pk),
            )
        if len(methods) > 1:
            self.fields["method_code"] = forms.ChoiceField(
                label=_("Shipping method"),
                widget=forms.RadioSelect,
                choices=[(m.code, m.name) for m in methods],
                initial=methods[0].code,
            )
        self.addresses = {str(a.pk): a for a in addresses}

    def chosen_organisation_id(self) -> int | None:
        """The organisation the order is bought for (one of the buyer's), or None."""
        value = self.cleaned_data.get("buy_for") or PERSONAL
        return None if value == PERSONAL else int(value)

    @property
    def wants_new_address(self) -> bool:
        """Whether the buyer ships to the address typed in the address form."""
        return "address" not in self.fields or self.cleaned_data.get("address") == NEW_ADDRESS

    def chosen_address(self):
        """The saved address chosen (one of the buyer's own), or None for a new one."""
        return None if self.wants_new_address else self.addresses[self.cleaned_data["address"]]
