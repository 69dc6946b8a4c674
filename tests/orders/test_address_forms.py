import pytest
from oscar.core.loading import get_model

from orders.address.forms import UserAddressForm
from orders.checkout.forms import ShippingAddressForm

ShippingAddress = get_model("order", "ShippingAddress")
Country = get_model("address", "Country")

pytestmark = pytest.mark.django_db

GOOD = {
    "first_name": "王小明",
    "phone_number": "138 0013 8000",
    "state": "北京市",
    "line4": "北京市",
    "line3": "朝阳区",
    "line1": "建国路 88 号 1 号楼 1201",
    "postcode": "",
    "notes": "",
}


def test_chinese_fields_in_chinese_order():
    form = ShippingAddressForm()
    assert list(form.fields) == [
        "first_name",
        "phone_number",
        "state",
        "line4",
        "line3",
        "line1",
        "postcode",
        "notes",
    ]
    assert [form.fields[f].label for f in ("first_name", "phone_number", "state", "line3")] == [
        "收货人",
        "手机号",
        "省份",
        "区/县",
    ]
    assert "country" not in form.fields  # China is the only shipping country


def test_a_good_address_is_saved_with_the_normalised_mobile_and_china():
    form = ShippingAddressForm(data=GOOD)
    assert form.is_valid(), form.errors
    address = form.save()
    assert address.country.iso_3166_1_a2 == "CN"
    assert str(address.phone_number) == "+8613800138000"
    # Chinese order, largest unit first, and a municipality (北京市 北京市) is not repeated.
    assert address.summary == "王小明 北京市 朝阳区 建国路 88 号 1 号楼 1201"
    address.line4 = "唐山市"
    address.state = "河北省"
    assert address.active_address_fields() == [
        "王小明", "河北省", "唐山市", "朝阳区", "建国路 88 号 1 号楼 1201",
    ]  # fmt: skip


@pytest.mark.parametrize("mobile", ["13800138000", "+86 138-0013-8000", "0086 19912345678"])
def test_mainland_mobiles_are_accepted(mobile):
    assert ShippingAddressForm(data={**GOOD, "phone_number": mobile}).is_valid()


@pytest.mark.parametrize(
    "mobile", ["12345678901", "1380013800", "010-12345678", "+44 7700 900123", "1380013800a"]
)
def test_other_numbers_are_refused_with_a_clear_message(mobile):
    form = ShippingAddressForm(data={**GOOD, "phone_number": mobile})
    assert not form.is_valid()
    assert "请输入中国大陆手机号" in form.errors["phone_number"][0]


@pytest.mark.parametrize(
    "field", ["first_name", "phone_number", "state", "line4", "line3", "line1"]
)
def test_required_fields(field):
    form = ShippingAddressForm(data={**GOOD, field: ""})
    assert not form.is_valid()
    assert field in form.errors
    assert ShippingAddress.objects.count() == 0


def test_postcode_is_optional_but_must_have_six_digits():
    assert ShippingAddressForm(data={**GOOD, "postcode": "100022"}).is_valid()
    form = ShippingAddressForm(data={**GOOD, "postcode": "1000"})
    assert not form.is_valid()
    assert form.errors["postcode"] == ["邮政编码应为6位数字。"]


def test_unknown_province_is_refused():
    assert not ShippingAddressForm(data={**GOOD, "state": "加利福尼亚"}).is_valid()


def test_address_book_form_is_chinese_too(consumer):
    form = UserAddressForm(consumer, data=GOOD)
    assert list(form.fields)[:3] == ["first_name", "phone_number", "state"]
    assert form.is_valid(), form.errors
    address = form.save()
    assert address.user == consumer
    assert address.summary.startswith("王小明 北京市")
