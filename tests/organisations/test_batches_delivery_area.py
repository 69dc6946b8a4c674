"""The delivery area (DELIVERY_EXCLUDED_PROVINCES) is the same for a batch's sheet and for the
checkout's address form; and the batch's after-commit counters."""

import pytest
from oscar.core.loading import get_model

from orders.checkout.forms import ShippingAddressForm
from organisations import batches, recipients
from tests.factories import make_product

from .batch_factories import approved_organisation, csv_bytes, good_rows, member_of

pytestmark = pytest.mark.django_db
ProductRecord = get_model("analytics", "ProductRecord")
UserRecord = get_model("analytics", "UserRecord")

LHASA = {
    "first_name": "王小明", "phone_number": "13800138000", "state": "西藏自治区",
    "line4": "拉萨市", "line3": "城关区", "line1": "北京中路 1 号", "postcode": "", "notes": "",
}  # fmt: skip


def test_an_excluded_province_is_refused_by_the_checkout_address_form_too(settings):
    assert ShippingAddressForm(data=LHASA).is_valid()
    settings.DELIVERY_EXCLUDED_PROVINCES = ["西藏自治区"]
    form = ShippingAddressForm(data=LHASA)
    assert not form.is_valid()
    assert "不配送" in str(form.errors["state"]) or "deliver" in str(form.errors["state"])
    row = ["张三", "13900001111", "西藏自治区", "拉萨市", "城关区", "北京中路1号"]
    assert not recipients.read(csv_bytes([row]), "a.csv").ok


def test_the_batch_counts_its_purchases_once_after_commit(django_capture_on_commit_callbacks):
    organisation = approved_organisation()
    buyer = member_of(organisation)
    tea = make_product(num_in_stock=100)
    checked = recipients.read(csv_bytes(good_rows(4)), "a.csv")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch = batches.create_batch(
            organisation=organisation, user=buyer, title="", gifts=[batches.Gift(tea, 3)],
            recipients=checked.recipients,
        )  # fmt: skip
    assert len(callbacks) == 1  # one task for the batch, not one per order
    assert ProductRecord.objects.get(product=tea).num_purchases == 12
    record = UserRecord.objects.get(user=buyer)
    assert (record.num_orders, record.num_order_lines, record.num_order_items) == (4, 4, 12)
    assert record.total_spent == batch.total
