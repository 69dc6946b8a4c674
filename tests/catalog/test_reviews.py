"""Product reviews: from signed-in buyers whose order line has shipped only, and shown once
staff have approved them (no anonymous one-star reviews published by anyone passing by).
The rest of the rules (once per line, photos, managers' moderation, ratings on cards):
tests/orders/test_reviews.py."""

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from orders import services, statuses
from tests.factories import make_order, make_product

pytestmark = pytest.mark.django_db

ProductReview = get_model("reviews", "ProductReview")

REVIEW = {"title": "烂菜一堆", "score": "1", "body": "根本没收到货，别买。"}


@pytest.fixture
def carrots(cooperative):
    return make_product(cooperative, title="察右中旗胡萝卜 5斤装")


def add_url(product):
    return reverse(
        "catalogue:reviews-add", kwargs={"product_slug": product.slug, "product_pk": product.pk}
    )


def test_a_signed_out_visitor_is_asked_to_sign_in_not_shown_a_form(client, carrots):
    page = client.get(carrots.get_absolute_url()).content.decode()
    assert "登录后即可发表评价" in page
    assert f'href="{reverse("customer:login")}?next={add_url(carrots)}"' in page
    assert f'href="{add_url(carrots)}' not in page  # Oscar's "be the first to write one"


def test_an_anonymous_review_is_refused_and_writes_nothing(client, carrots):
    response = client.post(
        add_url(carrots), {**REVIEW, "name": "路人", "email": "passer-by@example.com"}
    )
    assert response.status_code == 302 and response.url == carrots.get_absolute_url()
    assert not ProductReview.objects.exists()
    assert client.get(add_url(carrots)).status_code == 302  # no form to fill in either


def test_a_signed_in_review_waits_for_moderation_before_it_is_shown(client, consumer, carrots):
    order = make_order([(carrots, 1)], user=consumer, status=statuses.PAID)
    services.ship(order, list(order.lines.all()), carrier="SF", tracking_number="SF123456789012",
                  user=None)  # fmt: skip
    client.force_login(consumer)
    response = client.post(add_url(carrots), REVIEW)
    assert response.status_code == 302
    review = ProductReview.objects.get()
    assert review.user == consumer and review.status == ProductReview.FOR_MODERATION

    page = client.get(carrots.get_absolute_url()).content.decode()
    assert REVIEW["title"] not in page and REVIEW["body"] not in page
    carrots.refresh_from_db()
    assert carrots.rating is None  # the stars count approved reviews only

    review.status = ProductReview.APPROVED  # what staff do in the dashboard's reviews
    review.save()
    assert REVIEW["title"] in client.get(carrots.get_absolute_url()).content.decode()
