"""A cooperative manager's rich text (product description, rich-text attributes) reaches every
buyer: it is cleaned to an allow-list when the dashboard saves it and again when the product page
prints it, so rows stored before the cleaning are harmless too."""

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from catalog.richtext import clean_html
from tests.dashboard.test_catalogue_permissions import _product_form_data, login
from tests.factories import make_product

ProductAttribute = get_model("catalogue", "ProductAttribute")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")

ATTACK = (
    '<p onclick="steal()">好<script>alert(1)</script></p>'
    '<img src="x" onerror="alert(2)">'
    '<a href="javascript:alert(3)">领红包</a>'
    '<a href=" JaVaScRiPt:alert(4)">再领</a>'
    '<iframe src="https://evil.example/pay"></iframe>'
    '<form action="https://evil.example/login"><input name="password">登录</form>'
    "<style>body{display:none}</style>"
    '<div style="position:fixed;inset:0">假的支付页</div>'
    '<img src="https://tracker.example/pixel.gif">'
    '<img src="//tracker.example/pixel.gif">'
    '<a href="data:text/html,<script>alert(5)</script>">数据</a>'
)


def test_scripts_handlers_frames_forms_and_styles_are_removed():
    html = clean_html(ATTACK).lower()
    for bad in (
        "<script", "alert(", "onclick", "onerror", "javascript:", "<iframe", "<form", "<input",
        "<style", "display:none", "style=", "position:fixed", "tracker.example", "data:",
        "evil.example",
    ):  # fmt: skip
        assert bad not in html, bad
    assert "好" in html and "领红包" in html and "假的支付页" in html  # the text itself stays


def test_formatting_links_and_own_pictures_are_kept():
    html = (
        "<h2>产地</h2><p><strong>甜</strong><b>脆</b><em>多</em><i>汁</i><u>新</u><s>旧</s><br></p>"
        "<ul><li>一</li></ul><ol><li>二</li></ol><blockquote>引</blockquote>"
        "<table><thead><tr><th>规格</th></tr></thead><tbody><tr><td>10斤装</td></tr></tbody></table>"
        '<img src="/media/images/carrot.jpg" alt="胡萝卜" width="600" height="400">'
    )
    assert clean_html(html) == html
    assert clean_html('<a href="https://example.cn/x" target="_blank" rel="opener">看</a>') == (
        '<a href="https://example.cn/x" rel="noopener noreferrer nofollow">看</a>'
    )
    assert 'href="mailto:coop@example.cn"' in clean_html('<a href="mailto:coop@example.cn">信</a>')


def test_chinese_text_is_intact():
    text = "<p>察右中旗草原红胡萝卜，甜脆多汁；“京蒙优选”——助农增收！&amp;</p>"
    assert clean_html(text) == text
    assert clean_html(None) == "" and clean_html("") == ""


def test_our_media_host_is_allowed_for_pictures(settings):
    settings.MEDIA_ORIGINS = ["https://media.jingmeng.example"]
    kept = '<img src="https://media.jingmeng.example/images/a.jpg">'
    assert clean_html(kept) == kept
    assert "src" not in clean_html('<img src="https://media.jingmeng.example.evil.cn/a.jpg">')


@pytest.mark.django_db
def test_the_dashboard_form_saves_the_cleaned_html(client, manager, cooperative, vegetables):
    product = make_product(cooperative, title="我家的胡萝卜", categories=[vegetables])
    login(client, manager)
    url = reverse("dashboard:catalogue-product", kwargs={"pk": product.pk})
    data = _product_form_data(
        product,
        product.stockrecords.get(),
        description='<p style="color:red">甜脆<strong>多汁</strong></p><script>alert(1)</script>'
        '<a href="javascript:alert(1)">点我</a>',
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    product.refresh_from_db()
    assert product.description == (
        '<p>甜脆<strong>多汁</strong></p><a rel="noopener noreferrer nofollow">点我</a>'
    )


@pytest.mark.django_db
def test_a_rich_text_attribute_is_cleaned_on_save(client, manager, cooperative, vegetables):
    product = make_product(cooperative, title="我家的胡萝卜", categories=[vegetables])
    ProductAttribute.objects.create(
        product_class=product.get_product_class(), name="产地故事", code="story", type="richtext"
    )
    login(client, manager)
    url = reverse("dashboard:catalogue-product", kwargs={"pk": product.pk})
    data = _product_form_data(
        product, product.stockrecords.get(), attr_story='<p>草原<img src=x onerror="alert(1)"></p>'
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    value = ProductAttributeValue.objects.get(product=product, attribute__code="story")
    assert value.value == "<p>草原</p>"


@pytest.mark.django_db
def test_the_product_page_renders_a_stored_malicious_description_harmlessly(
    client, cooperative, vegetables
):
    product = make_product(cooperative, title="我家的胡萝卜", categories=[vegetables])
    product.description = "<p>甜脆<strong>多汁</strong></p>" + ATTACK  # saved before cleaning
    product.save()
    attribute = ProductAttribute.objects.create(
        product_class=product.get_product_class(), name="产地故事", code="story", type="richtext"
    )
    ProductAttributeValue.objects.create(
        product=product, attribute=attribute, value_richtext="<p>草原<script>alert(9)</script></p>"
    )
    response = client.get(product.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('class="product-description"')
    description = html[start : html.index("</div>", start)]
    assert "<p>甜脆<strong>多汁</strong></p>" in description
    assert "领红包" in description
    for bad in ("onerror", "onclick", "javascript:", "<iframe", "<form", "<img", "style", "alert("):
        assert bad not in description, bad
    # Oscar's meta description strips tags and escapes the rest: text only, nowhere markup.
    for bad in ("<script>alert", "tracker.example", "evil.example"):
        assert bad not in html, bad
    assert "<td><p>草原</p></td>" in html
