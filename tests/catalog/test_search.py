"""Search (issue 24): analysis, documents kept up to date, ranking, sorts, facets, 联想, the
search log and the pages a shopper sees — on the run's database (SQLite, or PostgreSQL in CI)."""

import datetime
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.apps.catalogue.categories import create_from_breadcrumbs
from oscar.core.loading import get_model

from catalog import selectors
from catalog.search import analysis, documents
from tests.factories import CooperativeFactory, CountyFactory, make_family, make_product

pytestmark = pytest.mark.django_db

SearchDocument = get_model("catalogue", "SearchDocument")
SearchLog = get_model("catalogue", "SearchLog")
Synonym = get_model("catalogue", "Synonym")
UserSearch = get_model("analytics", "UserSearch")
StockRecord = get_model("partner", "StockRecord")
FAR_FUTURE = datetime.date(2999, 1, 1)
LEXEME = re.compile(r"^[0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")

HOSTILE = [
    "",
    "   ",
    "胡" * 2000,
    "！!？?。，,、…—",
    "' OR 1=1; DROP TABLE catalogue_product; --",
    "a & b | !c",
    "胡萝卜:* & !'x'",
    "'\"\\",
    "<script>alert(1)</script>",
    "(胡萝卜 | 烟薯) & !雪菊",
    "\x00\x1f",
]


def titles(query, **kwargs):
    return [doc.title for doc in selectors.search(query=query, **kwargs).documents]


@pytest.fixture
def chayou(db):
    county = CountyFactory(name="察右中旗", league="乌兰察布市", beijing_district="房山区")
    return CooperativeFactory(name="察右中旗草原红胡萝卜种植专业合作社", county=county)


@pytest.fixture
def naiman(db):
    county = CountyFactory(name="奈曼旗", league="通辽市", beijing_district="通州区")
    return CooperativeFactory(name="奈曼旗青龙山烟薯种植专业合作社", county=county)


# --- analysis ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_query_lexemes_are_only_letters_and_digits_whatever_is_typed(text):
    for concept in analysis.parse_query(text):
        for alternative in concept.alternatives:
            for lexeme in alternative:
                assert LEXEME.match(lexeme.text), (text, lexeme)


def test_a_query_is_read_as_the_dictionarys_words_and_a_homophone_typo_as_the_word_meant():
    documents.ensure_dictionary()
    analysis.segmenter().teach(["察右中旗"])
    assert [c.source for c in analysis.parse_query("察右中旗胡萝卜")] == ["察右中旗", "胡萝卜"]
    typo = analysis.parse_query("胡箩卜")[0]
    assert typo.corrected == "huluobo"
    assert (analysis.Lexeme("胡萝卜"),) in typo.alternatives
    assert analysis.parse_query("好吃的胡萝卜")[-1].source == "胡萝卜"  # 的 is no word


def test_a_document_holds_words_pinyin_and_initials():
    words = analysis.field_words("察右中旗草原胡萝卜", characters=True)
    lexemes = analysis.expand(words, {})
    assert {"胡萝卜", "huluobo", "hlb", "萝", "草原"} <= set(lexemes)


# --- documents follow the catalogue ----------------------------------------------------------


def test_documents_follow_product_category_cooperative_and_county_edits(
    chayou, django_capture_on_commit_callbacks
):
    vegetables = create_from_breadcrumbs("蔬菜")
    with django_capture_on_commit_callbacks(execute=True):
        carrot = make_product(chayou, title="察右中旗草原胡萝卜", categories=[vegetables])
    assert titles("胡萝卜") == ["察右中旗草原胡萝卜"]

    with django_capture_on_commit_callbacks(execute=True):
        carrot.title = "察右中旗脆甜胡萝卜"
        carrot.save()
    assert titles("脆甜") == ["察右中旗脆甜胡萝卜"]

    with django_capture_on_commit_callbacks(execute=True):
        vegetables.name = "根茎蔬菜"
        vegetables.save()
    assert titles("根茎") == ["察右中旗脆甜胡萝卜"]

    with django_capture_on_commit_callbacks(execute=True):
        chayou.name = "义发泉村胡萝卜合作社"
        chayou.save()
    assert titles("义发泉") == ["察右中旗脆甜胡萝卜"]

    with django_capture_on_commit_callbacks(execute=True):
        chayou.county.beijing_district = "昌平区"
        chayou.county.save()
    assert titles("昌平") == ["察右中旗脆甜胡萝卜"]
    assert titles("房山") == []

    with django_capture_on_commit_callbacks(execute=True):
        carrot.is_public = False
        carrot.save()
    assert titles("胡萝卜") == []
    assert not SearchDocument.objects.filter(product=carrot).exists()


def test_a_new_synonym_finds_products_at_once(chayou, naiman, django_capture_on_commit_callbacks):
    make_product(chayou, title="察右中旗草原胡萝卜")
    documents.rebuild()
    assert titles("丁香萝卜") == []
    with django_capture_on_commit_callbacks(execute=True):
        Synonym.objects.create(term="丁香萝卜", means="胡萝卜")
    assert titles("丁香萝卜") == ["察右中旗草原胡萝卜"]
    # one way: the catalogue's word does not find products named by the shopper's word
    make_product(naiman, title="丁香萝卜干")
    documents.rebuild()
    assert "丁香萝卜干" not in titles("胡萝卜")


def test_rebuild_all_command(chayou):
    from django.core.management import call_command

    make_product(chayou, title="察右中旗马铃薯")
    call_command("rebuild_search", stdout=io.StringIO())
    assert titles("土豆") == ["察右中旗马铃薯"]


# --- ranking and sorts -----------------------------------------------------------------------


def test_title_outranks_cooperative_name_and_in_stock_outranks_sold_out(chayou):
    pumpkin = make_product(chayou, title="察右中旗贝贝南瓜")  # its cooperative says 胡萝卜
    sold_out = make_product(chayou, title="胡萝卜（售罄）", num_in_stock=0)
    carrot = make_product(chayou, title="草原胡萝卜")
    documents.rebuild()
    assert titles("胡萝卜") == [carrot.title, sold_out.title, pumpkin.title]


def test_at_equal_relevance_the_better_seller_comes_first(chayou):
    slow = make_product(chayou, title="胡萝卜 A")
    fast = make_product(chayou, title="胡萝卜 B")
    documents.rebuild()
    documents.set_sales({slow.pk: 3, fast.pk: 40})
    assert titles("胡萝卜") == [fast.title, slow.title]
    assert titles("胡萝卜", sort="sales") == [fast.title, slow.title]


def test_stock_refresh_moves_a_product_that_sold_out(chayou):
    first = make_product(chayou, title="胡萝卜 一", num_in_stock=5)
    second = make_product(chayou, title="胡萝卜 二", num_in_stock=5)
    documents.rebuild()
    documents.set_sales({first.pk: 10, second.pk: 1})
    assert titles("胡萝卜")[0] == first.title
    StockRecord.objects.filter(product=first).update(num_allocated=5)  # as an order does
    assert documents.refresh_stock() == 1
    assert titles("胡萝卜")[0] == second.title


def test_sorts_keep_working_with_words(client, chayou):
    make_product(chayou, title="胡萝卜 贵", price="99.00")
    make_product(chayou, title="胡萝卜 便宜", price="9.90")
    documents.rebuild()
    assert titles("胡萝卜", sort="price-asc") == ["胡萝卜 便宜", "胡萝卜 贵"]
    assert titles("胡萝卜", sort="price-desc") == ["胡萝卜 贵", "胡萝卜 便宜"]
    html = client.get("/search/", {"q": "胡萝卜", "sort_by": "price-asc"}).content.decode()
    assert html.index("胡萝卜 便宜") < html.index("胡萝卜 贵")
    assert 'href="/search/?q=%E8%83%A1%E8%90%9D%E5%8D%9C&amp;sort_by=sales"' in html


def test_a_product_with_specifications_is_found_by_its_children(chayou):
    make_family(chayou, title="察右中旗草原胡萝卜", variants=[("5斤装", "29.90", 10)])
    documents.rebuild()
    assert titles("5斤装") == ["察右中旗草原胡萝卜"]


# --- facets ----------------------------------------------------------------------------------


def test_facets_count_and_combine(client, chayou, naiman):
    vegetables = create_from_breadcrumbs("蔬菜")
    make_product(
        chayou,
        title="察右中旗胡萝卜",
        price="29.90",
        categories=[vegetables],
        certification_number="2024-001",
        certification_valid_until=FAR_FUTURE,
    )
    make_product(chayou, title="察右中旗马铃薯", price="19.90", categories=[vegetables])
    make_product(naiman, title="奈曼旗烟薯", price="36.90", categories=[vegetables])
    documents.rebuild()

    facets = selectors.search(query="蔬菜").facets
    assert {r["name"]: r["n"] for r in facets["counties"]} == {"察右中旗": 2, "奈曼旗": 1}
    assert {r["name"]: r["n"] for r in facets["leagues"]} == {"乌兰察布市": 2, "通辽市": 1}
    assert facets["certified"] == 1
    assert {r["value"]: r["n"] for r in facets["prices"]} == {"0-30": 2, "30-60": 1}

    county = chayou.county.slug
    html = client.get("/search/", {"q": "蔬菜", "county": county}).content.decode()
    assert "察右中旗胡萝卜" in html and "奈曼旗烟薯" not in html
    html = client.get(
        "/search/", {"q": "蔬菜", "county": county, "certified": "1"}
    ).content.decode()
    assert "察右中旗胡萝卜" in html and "察右中旗马铃薯" not in html
    assert "去掉筛选" in html  # the picked facets, each removable
    html = client.get("/search/", {"q": "蔬菜", "price": "30-60"}).content.decode()
    assert "奈曼旗烟薯" in html and "察右中旗胡萝卜" not in html


def test_a_bad_facet_value_is_ignored_not_an_error(client, chayou):
    make_product(chayou, title="察右中旗胡萝卜")
    documents.rebuild()
    response = client.get(
        "/search/", {"q": "胡萝卜", "price": "cheap", "category": "x", "county": "!!"}
    )
    assert response.status_code == 200
    assert "察右中旗胡萝卜" in response.content.decode()


def test_query_count_is_the_same_for_few_and_many_results(client, chayou, naiman):
    def queries(query):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/search/", {"q": query}).status_code == 200
        return len(ctx.captured_queries)

    for n in range(3):
        make_product(naiman, title=f"奈曼旗烟薯 {n}")
    for n in range(30):
        make_product(chayou, title=f"察右中旗胡萝卜 {n}")
    documents.rebuild()
    queries("烟薯"), queries("胡萝卜")  # warm: thumbnails, caches
    assert queries("烟薯") == queries("胡萝卜")


# --- pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_bad_input_gives_a_page_never_an_error(client, chayou, text):
    make_product(chayou, title="察右中旗胡萝卜")
    documents.rebuild()
    for url in ("/search/", "/catalogue/", "/search/suggest/"):
        response = client.get(url, {"q": text})
        assert response.status_code == 200, (url, text)
    assert SearchDocument.objects.count() == 1


def test_the_query_stays_in_the_box_and_a_typo_is_explained(client, chayou):
    make_product(chayou, title="察右中旗草原胡萝卜")
    documents.rebuild()
    html = client.get("/search/", {"q": "胡箩卜"}).content.decode()
    assert 'value="胡箩卜"' in html
    assert "察右中旗草原胡萝卜" in html
    assert "已按“胡萝卜”搜索" in html


def test_a_search_that_finds_nothing_says_so_and_offers_near_and_popular(client, chayou):
    make_product(chayou, title="察右中旗草原胡萝卜")
    make_product(chayou, title="阴山燕麦米")
    documents.rebuild()
    html = client.get("/search/", {"q": "hulobo"}).content.decode()  # not a word: a typo
    assert "没有找到与“hulobo”相关的商品" in html
    assert "相近的商品" in html and "察右中旗草原胡萝卜" in html
    assert "大家都在买" in html
    assert "试试" in html


def test_the_empty_search_page_shows_popular_searches_and_best_sellers(client, chayou):
    make_product(chayou, title="察右中旗草原胡萝卜")
    documents.rebuild()
    for _ in range(3):
        client.get("/search/", {"q": "胡萝卜"})
    client.get("/search/", {"q": "!!!"})  # no words: never offered to others
    for _ in range(4):
        client.get("/search/", {"q": "胡箩卜"})  # a typo (found, read as 胡萝卜): not offered
    from django.core.cache import cache

    cache.clear()
    html = client.get("/search/").content.decode()
    assert "热门搜索" in html and "大家都在买" in html
    assert "?q=%E8%83%A1%E8%90%9D%E5%8D%9C" in html  # 胡萝卜
    assert "?q=!!!" not in html and "?q=%21%21%21" not in html
    assert "?q=%E8%83%A1%E7%AE%A9%E5%8D%9C" not in html  # 胡箩卜


# --- the log ----------------------------------------------------------------------------------


def test_searches_are_logged_once_with_their_result_count(client, chayou):
    make_product(chayou, title="察右中旗草原胡萝卜")
    documents.rebuild()
    client.get("/search/", {"q": "  胡萝卜 "})
    client.get("/search/", {"q": "胡萝卜", "page": "1"})  # paging is not a new search
    client.get("/search/", {"q": "有机"})
    client.get("/search/")
    assert list(SearchLog.objects.order_by("pk").values_list("query", "results")) == [
        ("胡萝卜", 1),
        ("有机", 0),
    ]


def test_oscars_user_search_signal_records_a_signed_in_buyers_search(client, chayou):
    buyer = get_user_model().objects.create_user("b@example.com", "b@example.com", "pw-123456!")
    make_product(chayou, title="察右中旗草原胡萝卜")
    documents.rebuild()
    client.force_login(buyer)
    client.get("/search/", {"q": "胡萝卜"})
    assert list(UserSearch.objects.values_list("user", "query")) == [(buyer.pk, "胡萝卜")]


# --- 联想 ---------------------------------------------------------------------------------------


def test_suggestions_name_products_categories_and_cooperatives(client, chayou):
    create_from_breadcrumbs("胡萝卜专区")
    make_product(chayou, title="察右中旗草原胡萝卜")
    make_product(chayou, title="察右中旗贝贝南瓜")  # only its cooperative says 胡萝卜
    documents.rebuild()
    answer = client.get(reverse("search-suggest"), {"q": "hul"}).json()
    assert [p["title"] for p in answer["products"]] == ["察右中旗草原胡萝卜"]
    assert [c["name"] for c in answer["categories"]] == ["胡萝卜专区"]
    assert [c["name"] for c in answer["cooperatives"]] == ["察右中旗草原红胡萝卜种植专业合作社"]
    assert answer["products"][0]["url"].startswith("/catalogue/")


def test_suggestions_are_cached_until_the_catalogue_changes(
    client, chayou, django_capture_on_commit_callbacks
):
    make_product(chayou, title="察右中旗草原胡萝卜")
    documents.rebuild()
    url = reverse("search-suggest")
    client.get(url, {"q": "胡萝"})
    with CaptureQueriesContext(connection) as ctx:
        answer = client.get(url, {"q": "胡萝"}).json()
    assert [q["sql"] for q in ctx.captured_queries if "searchdocument" in q["sql"]] == []
    assert [p["title"] for p in answer["products"]] == ["察右中旗草原胡萝卜"]
    with django_capture_on_commit_callbacks(execute=True):  # the version moves after commit
        make_product(chayou, title="察右中旗胡萝卜干")
        documents.rebuild()
    answer = client.get(url, {"q": "胡萝"}).json()
    assert len(answer["products"]) == 2


def test_empty_suggestions(client):
    answer = client.get(reverse("search-suggest"), {"q": " "}).json()
    assert answer == {"q": "", "products": [], "categories": [], "cooperatives": []}


def test_a_facet_value_shown_only_when_it_narrows(rf):
    from catalog.search.facets import facet_links

    facets = {
        "leagues": [{"value": "乌兰察布市", "name": "乌兰察布市", "n": 4}],  # all four: no use
        "counties": [],
        "cooperatives": [],
        "categories": [{"value": 3, "name": "蔬菜", "n": 2}],  # two of four: narrows
        "prices": [],
        "certified": 1,
    }
    links = facet_links(rf.get("/search/", {"q": "胡萝卜"}), facets, total=4)
    assert [g["param"] for g in links["groups"]] == ["category"]
    picked = facet_links(rf.get("/search/", {"q": "胡萝卜", "league": "乌兰察布市"}), facets, 4)
    assert [g["param"] for g in picked["groups"]] == ["league", "category"]
    assert picked["picked"][0]["url"] == "/search/?q=%E8%83%A1%E8%90%9D%E5%8D%9C"
