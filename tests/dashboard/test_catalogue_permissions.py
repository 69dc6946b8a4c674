"""Cooperative managers use Oscar's permission-based dashboard: only their own products."""

import pytest
from django.http import HttpRequest
from django.urls import reverse
from oscar.core.loading import get_model

from tests.factories import PASSWORD, make_product

StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(cooperative, other_cooperative, vegetables):
    return (
        make_product(cooperative, title="我家的胡萝卜", categories=[vegetables]),
        make_product(other_cooperative, title="别家的雪菊茶", categories=[vegetables]),
    )


def login(client, user):
    assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)


def test_manager_product_list_has_only_their_products(client, manager, products):
    login(client, manager)
    response = client.get(reverse("dashboard:catalogue-product-list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "我家的胡萝卜" in html
    assert "别家的雪菊茶" not in html


def test_manager_cannot_open_or_change_another_cooperatives_product(client, manager, products):
    _, theirs = products
    login(client, manager)
    url = reverse("dashboard:catalogue-product", kwargs={"pk": theirs.pk})
    assert client.get(url).status_code == 404
    response = client.post(url, {"title": "改掉别人的商品"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "别家的雪菊茶"


def _product_form_data(product, stockrecord, **changes):
    product_category = product.productcategory_set.get()
    data = {
        "title": product.title,
        "upc": product.upc,
        "description": product.description,
        "is_public": "on",
        "structure": "standalone",
        "slug": product.slug,
        "specification": "10斤装",
        "harvest_season": "9月",
        "storage": "冷藏",
        "stockrecords-TOTAL_FORMS": "1",
        "stockrecords-INITIAL_FORMS": "1",
        "stockrecords-MIN_NUM_FORMS": "0",
        "stockrecords-MAX_NUM_FORMS": "1000",
        "stockrecords-0-id": str(stockrecord.pk),
        "stockrecords-0-partner": str(stockrecord.partner_id),
        "stockrecords-0-partner_sku": stockrecord.partner_sku,
        "stockrecords-0-price_currency": "CNY",
        "stockrecords-0-price": "25.00",
        "stockrecords-0-num_in_stock": "77",
        "stockrecords-0-low_stock_threshold": "",
        "productcategory_set-TOTAL_FORMS": "1",
        "productcategory_set-INITIAL_FORMS": "1",
        "productcategory_set-0-id": str(product_category.pk),
        "productcategory_set-0-category": str(product_category.category_id),
        "productcategory_set-MIN_NUM_FORMS": "0",
        "productcategory_set-MAX_NUM_FORMS": "1000",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
        "primary_recommendations-TOTAL_FORMS": "0",
        "primary_recommendations-INITIAL_FORMS": "0",
        "primary_recommendations-MIN_NUM_FORMS": "0",
        "primary_recommendations-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_manager_edits_price_stock_and_specification_of_their_product(client, manager, products):
    mine, _ = products
    stockrecord = mine.stockrecords.get()
    login(client, manager)
    url = reverse("dashboard:catalogue-product", kwargs={"pk": mine.pk})
    response = client.post(url, _product_form_data(mine, stockrecord))
    assert response.status_code == 302, response.context and response.context["form"].errors
    mine.refresh_from_db()
    stockrecord.refresh_from_db()
    assert mine.specification == "10斤装"
    assert (stockrecord.price, stockrecord.num_in_stock) == (25, 77)


def test_manager_cannot_move_stock_to_another_cooperative(
    client, manager, products, other_cooperative
):
    mine, _ = products
    stockrecord = mine.stockrecords.get()
    login(client, manager)
    url = reverse("dashboard:catalogue-product", kwargs={"pk": mine.pk})
    data = _product_form_data(
        mine, stockrecord, **{"stockrecords-0-partner": str(other_cooperative.partner_id)}
    )
    response = client.post(url, data)
    assert response.status_code == 200  # the form comes back with an error
    assert list(response.context["stockrecord_formset"].errors[0]) == ["partner"]
    stockrecord.refresh_from_db()
    assert stockrecord.partner_id == mine.cooperative.partner_id
    assert stockrecord.num_in_stock == 100


def test_certification_is_for_staff_only(client, manager, staff, products):
    mine, _ = products
    url = reverse("dashboard:catalogue-product", kwargs={"pk": mine.pk})
    login(client, manager)
    form = client.get(url).context["form"]
    assert "certification_number" not in form.fields and "cooperative" not in form.fields
    assert "specification" in form.fields

    login(client, staff)
    form = client.get(url).context["form"]
    assert {"certification_number", "certification_valid_until"} <= set(form.fields)
    assert "cooperative" not in form.fields  # it follows the stock record's partner


def test_manager_posting_certification_changes_nothing(client, manager, products):
    mine, _ = products
    stockrecord = mine.stockrecords.get()
    login(client, manager)
    url = reverse("dashboard:catalogue-product", kwargs={"pk": mine.pk})
    data = _product_form_data(
        mine, stockrecord, certification_number="伪造编号", certification_valid_until="2999-01-01"
    )
    assert client.post(url, data).status_code == 302
    mine.refresh_from_db()
    assert mine.certification_number == ""


def test_consumers_and_visitors_are_kept_out(client, consumer):
    url = reverse("dashboard:catalogue-product-list")
    response = client.get(url)
    assert response.status_code == 302 and "login" in response.url
    login(client, consumer)
    response = client.get(url)
    assert response.status_code in (302, 403)


def test_cooperatives_dashboard_is_staff_only(client, manager, staff, cooperative):
    url = reverse("dashboard:cooperative-list")
    assert client.get(url).status_code == 302  # to the login page
    login(client, manager)
    assert client.get(url).status_code == 403
    login(client, staff)
    html = client.get(url).content.decode()
    assert cooperative.name in html and manager.email in html


def test_manager_cannot_delete_another_cooperatives_product(client, manager, products):
    _, theirs = products
    login(client, manager)
    url = reverse("dashboard:catalogue-product-delete", kwargs={"pk": theirs.pk})
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert type(theirs).objects.filter(pk=theirs.pk).exists()


def test_manager_bulk_action_cannot_reach_another_cooperatives_product(client, manager, products):
    mine, theirs = products
    login(client, manager)
    client.post(
        reverse("dashboard:catalogue-product-list"),
        {"action": "make_products_non_public", "selected_product": [theirs.pk]},
    )
    theirs.refresh_from_db()
    assert theirs.is_public


def test_manager_cannot_create_a_product_stocked_by_another_cooperative(
    client, manager, products, other_cooperative, vegetables
):
    mine, _ = products
    login(client, manager)
    url = reverse(
        "dashboard:catalogue-product-create",
        kwargs={"product_class_slug": mine.product_class.slug},
    )
    data = _product_form_data(mine, mine.stockrecords.get())
    data.update(
        {
            "title": "冒名商品",
            "upc": "FAKE-1",
            "slug": "",
            "stockrecords-INITIAL_FORMS": "0",
            "stockrecords-0-id": "",
            "stockrecords-0-partner": str(other_cooperative.partner_id),
            "stockrecords-0-partner_sku": "FAKE-1",
            "productcategory_set-INITIAL_FORMS": "0",
            "productcategory_set-0-id": "",
            "productcategory_set-0-category": str(vegetables.pk),
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200  # the form comes back with an error
    assert list(response.context["stockrecord_formset"].errors[0]) == ["partner"]
    assert not type(mine).objects.filter(upc="FAKE-1").exists()

    data["stockrecords-0-partner"] = str(mine.stockrecords.get().partner_id)  # their own: fine
    assert client.post(url, data).status_code == 302
    assert type(mine).objects.get(upc="FAKE-1").cooperative == mine.cooperative


def test_unlinking_a_manager_in_oscars_partner_page_ends_their_access(
    client, manager, staff, cooperative
):
    login(client, staff)
    url = reverse(
        "dashboard:partner-user-unlink",
        kwargs={"partner_pk": cooperative.partner_id, "user_pk": manager.pk},
    )
    assert client.post(url).status_code == 302
    login(client, manager)
    assert client.get(reverse("dashboard:catalogue-product-list")).status_code in (302, 403)
