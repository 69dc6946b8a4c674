import pytest

from tests.factories import CooperativeFactory, CountyFactory, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_leagues():
    chayou = CountyFactory(name="察右中旗", league="乌兰察布市", beijing_district="房山区")
    naiman = CountyFactory(name="奈曼旗", league="通辽市", beijing_district="通州区")
    carrots = CooperativeFactory(name="胡萝卜合作社", county=chayou)
    potatoes = CooperativeFactory(name="烟薯合作社", county=naiman)
    make_product(carrots, title="草原胡萝卜")
    return carrots, potatoes


def test_list_shows_every_active_cooperative(client, two_leagues):
    hidden = CooperativeFactory(name="已停用合作社", is_active=False)
    html = client.get("/cooperatives/").content.decode()
    assert "胡萝卜合作社" in html and "烟薯合作社" in html
    assert hidden.name not in html
    assert "1 件在售商品" in html


def test_list_filters_by_league_and_county(client, two_leagues):
    html = client.get("/cooperatives/", {"league": "通辽市"}).content.decode()
    assert "烟薯合作社" in html and "胡萝卜合作社" not in html

    carrots, _ = two_leagues
    html = client.get("/cooperatives/", {"county": carrots.county.slug}).content.decode()
    assert "胡萝卜合作社" in html and "烟薯合作社" not in html


def test_an_unknown_filter_shows_everything_with_a_message(client, two_leagues):
    response = client.get("/cooperatives/", {"league": "不存在的盟"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "胡萝卜合作社" in html and "烟薯合作社" in html
    assert "该筛选条件无效" in html


def test_detail_shows_story_origin_pairing_and_products(client, two_leagues):
    carrots, _ = two_leagues
    html = client.get(carrots.get_absolute_url()).content.decode()
    assert carrots.story in html
    assert "乌兰察布市 察右中旗" in html
    assert "房山区" in html
    assert carrots.credit_code in html
    assert "草原胡萝卜" in html


def test_inactive_or_unknown_cooperative_is_404(client):
    hidden = CooperativeFactory(is_active=False)
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get("/cooperatives/no-such-thing/").status_code == 404
