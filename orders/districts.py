"""Where a buyer is, for the buyer's side of the programme's figures (which Beijing district
bought what): the organisation's district when the order was bought for one, else the delivery
address's 区 when it is in Beijing, else 京外 (outside Beijing)."""

from django.utils.translation import gettext_lazy as _

from cooperatives.models import BEIJING_DISTRICTS

BEIJING = "北京市"
OUTSIDE_BEIJING = "京外"
LABELS = {OUTSIDE_BEIJING: _("Outside Beijing")}


def buyer_district(order) -> str:
    if order.organisation_id:
        return order.organisation.district
    address = order.shipping_address
    if address is not None and (address.state or "").startswith(BEIJING):
        district = (address.line3 or "").strip()
        if district in BEIJING_DISTRICTS:
            return district
    return OUTSIDE_BEIJING
