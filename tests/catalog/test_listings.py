import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.apps.catalogue.categories import create_from_breadcrumbs

from catalog.search import documents
from tests.factories import CooperativeFactory, CountyFactory, make_product

pytestmark = pytest.mark.django_db

FAR_FUTURE = datetime.date(2999, 1, 1)


def test_catalogue_lists_products_from_the_database(client, cooperative):
    make_product(cooperative, title="察右中旗胡萝卜")
    make_product(cooperative, title="不公开的商品", is_public=False)
    response = client.get("/catalogue/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "察右中旗胡萝卜" in html
    assert "不公开的商品" not in html
    assert "共 <strong>1</strong> 件商品" in html


def test_category_page_includes_subcategories(client, cooperative):
    leaf = create_from_breadcrumbs("蔬菜 > 根茎类")
    vegetables = leaf.get_parent()
    make_product(cooperative, title="胡萝卜", categories=[leaf])
    make_product(cooperative, title="雪菊茶", categories=[create_from_breadcrumbs("茶饮")])
    html = client.get(vegetables.get_absolute_url()).content.decode()
    assert "胡萝卜" in html and "雪菊茶" not in html


def test_search_finds_chinese_words_in_title_cooperative_and_county(client):
    county = CountyFactory(name="武川县")
    tea = CooperativeFactory(name="义兴元雪菊合作社", county=county)
    make_product(tea, title="雪菊茶 50g")
    make_product(title="胡萝卜")
    documents.rebuild()
    assert "雪菊茶 50g" in client.get("/search/", {"q": "雪菊"}).content.decode()
    assert "雪菊茶 50g" in client.get("/search/", {"q": "武川"}).content.decode()
    assert "雪菊茶 50g" in client.get("/search/", {"q": "义兴元"}).content.decode()
    html = client.get("/search/", {"q": "雪菊"}).content.decode()
    assert "胡萝卜" not in html


def test_sort_by_price(client, cooperative):
    make_product(cooperative, title="贵的", price="99.00")
    make_product(cooperative, title="便宜的", price="9.90")
    html = client.get("/catalogue/", {"sort_by": "price-asc"}).content.decode()
    assert html.index("便宜的") < html.index("贵的")
    html = client.get("/catalogue/", {"sort_by": "price-desc"}).content.decode()
    assert html.index("贵的") < html.index("便宜的")


def test_bad_page_number_redirects_to_page_one(client, cooperative):
    make_product(cooperative)
    response = client.get("/catalogue/", {"page": "99"})
    assert response.status_code == 302
    assert response.url == "/catalogue/"


def _category_page_queries(client, url):
    client.get(url)  # the first visit also creates the session and basket cookies
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_category_page_query_count_does_not_grow_with_products(client, settings, vegetables):
    settings.OSCAR_PRODUCTS_PER_PAGE = 40
    url = vegetables.get_absolute_url()
    cooperatives = [CooperativeFactory() for _ in range(3)]
    for i in range(2):
        make_product(cooperatives[i % 3], categories=[vegetables])
    few = _category_page_queries(client, url)

    for i in range(28):
        make_product(cooperatives[i % 3], categories=[vegetables])
    many = _category_page_queries(client, url)

    html = client.get(url).content.decode()
    assert html.count('class="product_pod"') == 30
    assert many == few, f"{few} queries for 2 products, {many} for 30"
    assert many <= 15


def test_product_page_shows_origin_cooperative_and_specification(client, cooperative):
    product = make_product(
        cooperative,
        title="察右中旗胡萝卜",
        specification="5斤装",
        harvest_season="9—10月",
        storage="0—4℃冷藏",
    )
    html = client.get(product.get_absolute_url()).content.decode()
    assert f"{cooperative.county.league} {cooperative.county.name}" in html
    assert cooperative.name in html and cooperative.get_absolute_url() in html
    assert "5斤装" in html and "9—10月" in html and "0—4℃冷藏" in html
    assert "¥29.90" in html
    assert "含税" not in html and "税" not in html  # prices are final; no "tax: ¥0.00" rows


def test_certification_badge_only_while_valid(client, cooperative):
    certified = make_product(
        cooperative,
        certification_number="扶贫产品认定 150927-0001",
        certification_valid_until=FAR_FUTURE,
    )
    expired = make_product(
        cooperative,
        certification_number="扶贫产品认定 150927-0002",
        certification_valid_until=datetime.date(2020, 1, 1),
    )
    html = client.get(expired.get_absolute_url()).content.decode()
    assert "150927-0002" not in html and "扶贫产品认定" not in html
    assert "150927-0001" in client.get(certified.get_absolute_url()).content.decode()

    home = client.get("/").content.decode()
    assert certified.title in home and expired.title not in home


def test_product_page_query_count_is_bounded(client, cooperative):
    product = make_product(cooperative)
    client.get(product.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        client.get(product.get_absolute_url())
    assert len(queries) <= 15, [q["sql"] for q in queries]


def test_products_of_a_deactivated_cooperative_are_not_sold(client, cooperative, vegetables):
    product = make_product(cooperative, title="停售合作社的胡萝卜", categories=[vegetables])
    cooperative.is_active = False
    cooperative.save()
    for url in ("/", "/catalogue/", vegetables.get_absolute_url(), "/search/?q=停售"):
        assert "停售合作社的胡萝卜" not in client.get(url).content.decode()
    assert client.get(product.get_absolute_url()).status_code == 404


def test_origin_links_to_the_countys_products(client, cooperative):
    product = make_product(cooperative, title="察右中旗胡萝卜")
    make_product(title="别处的东西")
    documents.rebuild()
    html = client.get(product.get_absolute_url()).content.decode()
    link = f"/catalogue/?county={cooperative.county.slug}"
    assert link in html
    listing = client.get(link).content.decode()
    assert "察右中旗胡萝卜" in listing and "别处的东西" not in listing
