"""Search in the dashboard (staff only): the synonym table staff edit, and the weekly report of
what shoppers searched for, whose queries that found nothing lead to a new synonym."""

import html
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from oscar.core.loading import get_model

pytestmark = pytest.mark.django_db

Synonym = get_model("catalogue", "Synonym")
SearchLog = get_model("catalogue", "SearchLog")

LIST = reverse("dashboard:search-synonym-list")
CREATE = reverse("dashboard:search-synonym-create")
REPORT = reverse("dashboard:search-report")
DOWNLOAD = reverse("dashboard:search-report-download")
HYPERLINK = '=HYPERLINK("http://x","y")'  # a query a shopper typed


def update_url(synonym):
    return reverse("dashboard:search-synonym-update", kwargs={"pk": synonym.pk})


def delete_url(synonym):
    return reverse("dashboard:search-synonym-delete", kwargs={"pk": synonym.pk})


def table():
    return set(Synonym.objects.values_list("term", "means", "two_way"))


def page_errors(response) -> list[str]:
    """The error messages the form page shows next to its fields."""
    text = response.content.decode()
    found = re.findall(r'class="error-block">\s*<i[^>]*></i>\s*(.*?)\s*</span>', text, re.S)
    return [html.unescape(error) for error in found]


def shown_messages(client, response) -> list[str]:
    """The Django messages the page after the redirect shows."""
    assert response.status_code == 302, response.status_code
    follow = client.get(response["Location"])
    return [str(message) for message in follow.context["messages"]]


@pytest.fixture(autouse=True)
def _empty_table(db):
    """Without the rows a data migration seeds (catalog.search.lexicon), so that each test's
    table is the one it makes."""
    Synonym.objects.all().delete()


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def carrot(db):
    return Synonym.objects.create(term="红萝卜", means="胡萝卜", two_way=True)


# --- The synonym table ----------------------------------------------------------------------


def test_staff_add_a_synonym(staff_client):
    response = staff_client.post(CREATE, {"term": " 地瓜 ", "means": "烟薯"})
    assert table() == {("地瓜", "烟薯", False)}  # stripped
    assert shown_messages(staff_client, response) == ["已添加同义词“地瓜 → 烟薯”。"]


def test_the_list_shows_both_ways_and_one_way_rows_and_finds_by_either_word(staff_client, carrot):
    Synonym.objects.create(term="地瓜", means="烟薯")
    text = staff_client.get(LIST).content.decode()
    assert re.search(r"红萝卜.*?=.*?胡萝卜", text, re.S)
    assert re.search(r"地瓜.*?→.*?烟薯", text, re.S)

    found = staff_client.get(LIST, {"q": "烟薯"}).content.decode()
    assert "地瓜" in found and "红萝卜" not in found
    found = staff_client.get(LIST, {"q": "红萝"}).content.decode()
    assert "红萝卜" in found and "地瓜" not in found


def test_the_list_is_paginated(staff_client, settings):
    Synonym.objects.bulk_create(Synonym(term=f"词{n:02d}", means="胡萝卜") for n in range(25))
    first = staff_client.get(LIST).content.decode()
    second = staff_client.get(LIST, {"page": 2}).content.decode()
    assert "词00" in first and "词24" not in first
    assert "词24" in second and "词00" not in second


def test_staff_change_a_synonym(staff_client, carrot):
    response = staff_client.post(update_url(carrot), {"term": "红萝卜", "means": "胡萝卜"})
    assert table() == {("红萝卜", "胡萝卜", False)}  # now one way only
    assert shown_messages(staff_client, response) == ["已保存同义词“红萝卜 → 胡萝卜”。"]


def test_staff_delete_a_synonym_after_confirming(staff_client, carrot):
    confirm = staff_client.get(delete_url(carrot))
    assert confirm.status_code == 200 and "红萝卜 = 胡萝卜" in confirm.content.decode()
    assert table() == {("红萝卜", "胡萝卜", True)}  # asking deletes nothing

    response = staff_client.post(delete_url(carrot))
    assert table() == set()
    assert shown_messages(staff_client, response) == ["已删除同义词“红萝卜 = 胡萝卜”。"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"term": "", "means": "胡萝卜"}, "这个字段是必填项。"),
        ({"term": "   ", "means": "胡萝卜"}, "这个字段是必填项。"),
        ({"term": "地瓜", "means": ""}, "这个字段是必填项。"),
        ({"term": "胡萝卜", "means": " 胡萝卜"}, "两个词相同：一个词不需要自己的同义词。"),
        ({"term": "Carrot", "means": "ｃａｒｒｏｔ"}, "两个词相同：一个词不需要自己的同义词。"),
        ({"term": "红萝卜", "means": "胡萝卜"}, "“红萝卜 → 胡萝卜”已在同义词表中。"),
        (
            {"term": "红萝卜", "means": "胡萝卜", "two_way": "on"},
            "“红萝卜 → 胡萝卜”已在同义词表中。",
        ),
        # The same pair the other way round, which the existing row already covers both ways.
        ({"term": "胡萝卜", "means": "红萝卜"}, "“红萝卜 = 胡萝卜”已在同义词表中，请修改那一条。"),
        # Django's own message: at most 32 characters, this has 40.
        ({"term": "萝" * 40, "means": "胡萝卜"}, ("32", "40")),
        ({"term": "地瓜", "means": "薯" * 40}, ("32", "40")),
        (
            {"term": "㍿" * 10, "means": "胡萝卜"},
            "最多 32 个字符（现在有 40 个）。",
        ),  # 株式会社 ×10
    ],
)
def test_invalid_input_shows_the_form_again_with_the_error_and_changes_nothing(
    staff_client, carrot, data, error
):
    before = table()
    response = staff_client.post(CREATE, data)
    assert response.status_code == 200
    fragments = (error,) if isinstance(error, str) else error
    shown = page_errors(response)
    assert [m for m in shown if all(fragment in m for fragment in fragments)], shown
    assert table() == before


def test_a_change_that_would_duplicate_another_row_is_refused(staff_client, carrot):
    sweet_potato = Synonym.objects.create(term="地瓜", means="烟薯")
    response = staff_client.post(update_url(sweet_potato), {"term": "红萝卜", "means": "胡萝卜"})
    assert response.status_code == 200
    assert "“红萝卜 → 胡萝卜”已在同义词表中。" in page_errors(response)
    assert table() == {("红萝卜", "胡萝卜", True), ("地瓜", "烟薯", False)}


def test_a_row_saved_unchanged_is_not_its_own_duplicate(staff_client, carrot):
    response = staff_client.post(
        update_url(carrot), {"term": "红萝卜", "means": "胡萝卜", "two_way": "on"}
    )
    assert response.status_code == 302
    assert table() == {("红萝卜", "胡萝卜", True)}


def test_the_errors_are_in_english_for_english_staff(staff_client, carrot, settings):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = staff_client.post(CREATE, {"term": "红萝卜", "means": "胡萝卜"})
    assert "“红萝卜 → 胡萝卜” is already in the synonym table." in page_errors(response)


# --- Who may reach the pages ----------------------------------------------------------------


def every_page(synonym):
    return [
        ("get", LIST),
        ("get", CREATE),
        ("post", CREATE),
        ("get", update_url(synonym)),
        ("post", update_url(synonym)),
        ("get", delete_url(synonym)),
        ("post", delete_url(synonym)),
        ("get", REPORT),
        ("get", DOWNLOAD),
    ]


def test_a_cooperative_manager_reaches_none_of_the_pages(client, manager, carrot):
    client.force_login(manager)
    assert client.get(reverse("dashboard:index")).status_code == 302  # the dashboard: yes
    for method, url in every_page(carrot):
        data = {"term": "地瓜", "means": "烟薯"} if method == "post" else None
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (method, url, response.status_code)
    assert table() == {("红萝卜", "胡萝卜", True)}


def test_an_anonymous_visitor_is_sent_to_sign_in(client, carrot):
    for method, url in every_page(carrot):
        data = {"term": "地瓜", "means": "烟薯"} if method == "post" else None
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, (method, url)
        assert "login" in response["Location"], (method, url, response["Location"])
    assert table() == {("红萝卜", "胡萝卜", True)}


def test_the_dashboard_menu_shows_search_to_staff_only(client, staff, manager):
    client.force_login(staff)
    text = client.get(reverse("dashboard:index")).content.decode()
    assert f'href="{LIST}"' in text and f'href="{REPORT}"' in text
    client.force_login(manager)
    text = client.get(reverse("dashboard:cooperative-sales")).content.decode()
    assert LIST not in text and REPORT not in text


# --- The weekly report ----------------------------------------------------------------------


def monday(moment):
    day = timezone.localtime(moment).date()
    return day - timedelta(days=day.weekday())


def chinese_date(day):
    return f"{day.year}年{day.month}月{day.day}日"


def week_sections(text) -> dict[str, str]:
    """The report's weeks by their heading's date (as shown), each with its HTML."""
    sections = re.findall(r"<section[^>]*>(.*?)</section>", text, re.S)
    found = {}
    for section in sections:
        heading = re.search(r"<h2>(.*?)</h2>", section, re.S).group(1)
        day = re.search(r"\d{4}年\d{1,2}月\d{1,2}日", heading).group(0)
        found[day] = section
    return found


def lists(section) -> tuple[str, str]:
    """(top queries, queries that found nothing) of one week's HTML."""
    top, _, empty = section.partition("无结果")
    return top, empty


def log(query, results, when, times=1):
    for _ in range(times):
        SearchLog.objects.create(query=query, results=results, date_created=when)


@pytest.fixture
def two_weeks(db):
    """This week: 胡萝卜 ×3 (found), 地瓜 ×2 (nothing). Last week: 雪菊茶 ×1 (found),
    沙葱 ×4 (nothing)."""
    now = timezone.now()
    log("胡萝卜", 5, now, times=3)
    log("地瓜", 0, now, times=2)
    last_week = now - timedelta(weeks=1)
    log("雪菊茶", 2, last_week)
    log("沙葱", 0, last_week, times=4)
    return monday(now), monday(last_week)


def test_the_report_shows_each_weeks_top_and_empty_queries_in_their_week(staff_client, two_weeks):
    this_week, last_week = two_weeks
    text = staff_client.get(REPORT).content.decode()
    weeks = week_sections(text)
    assert len(weeks) == 8
    assert list(weeks)[:2] == [chinese_date(this_week), chinese_date(last_week)]  # newest first

    top, empty = lists(weeks[chinese_date(this_week)])
    assert "搜索 5 次" in top
    assert re.search(r"胡萝卜</td>\s*<td[^>]*>3<", top)
    assert re.search(r"地瓜</td>\s*<td[^>]*>2<", top)  # the top queries include empty ones
    assert "地瓜" in empty and "胡萝卜" not in empty
    assert "雪菊茶" not in weeks[chinese_date(this_week)]

    top, empty = lists(weeks[chinese_date(last_week)])
    assert "搜索 5 次" in top and "雪菊茶" in top
    assert re.search(r"沙葱</td>\s*<td[^>]*>4<", empty) and "雪菊茶" not in empty
    assert "地瓜" not in weeks[chinese_date(last_week)]

    older = list(weeks.values())[2:]
    assert all("本周没有搜索。" in section for section in older)


@pytest.mark.parametrize(("weeks", "shown"), [("1", 1), ("12", 12), ("52", 52), ("0", 8),
                                              ("53", 8), ("-3", 8), ("abc", 8), ("", 8)])  # fmt: skip
def test_the_number_of_weeks_is_asked_for_and_bad_values_mean_eight(staff_client, weeks, shown):
    text = staff_client.get(REPORT, {"weeks": weeks}).content.decode()
    assert len(week_sections(text)) == shown


def test_add_synonym_from_a_query_that_found_nothing_prefills_the_form(staff_client, two_weeks):
    this_week, _ = two_weeks
    text = staff_client.get(REPORT).content.decode()
    _, empty = lists(week_sections(text)[chinese_date(this_week)])
    links = re.findall(r'href="([^"]*)"[^>]*>添加同义词<', empty)
    assert len(links) == 1
    form = staff_client.get(html.unescape(links[0]))
    assert form.status_code == 200
    assert re.search(r'<input[^>]*name="term"[^>]*value="地瓜"', form.content.decode())

    staff_client.post(html.unescape(links[0]), {"term": "地瓜", "means": "烟薯"})
    assert table() == {("地瓜", "烟薯", False)}


def test_the_report_download_has_the_same_queries_and_no_formula(staff_client, two_weeks):
    log(HYPERLINK, 0, timezone.now())
    response = staff_client.get(DOWNLOAD, {"weeks": 2})
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows())
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.data_type == "f"]
    values = [[cell.value for cell in row] for row in rows]
    queries = {(row[2], row[3], row[4]) for row in values[1:]}
    assert {("热门搜索词", "胡萝卜", 3), ("无结果", "地瓜", 2), ("无结果", "沙葱", 4)} <= queries
    assert ("无结果", "'" + HYPERLINK, 1) in queries  # text, shown as typed
