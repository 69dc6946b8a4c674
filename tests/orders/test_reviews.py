"""Reviews worth reading (issue 23, part 6): only a buyer whose order line has shipped reviews
the product, once per line, with up to six re-encoded photos; nothing is shown before staff or
that product's cooperative manager approve it; cards and the product page show ★4.8 (12)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from oscar.core.loading import get_model
from PIL import Image

from orders import services, statuses
from orders.reviews.models import LineReview, ReviewPhoto
from tests.dashboard.test_hostile_files import png_bomb
from tests.factories import UserFactory, make_order, make_product

pytestmark = pytest.mark.django_db

ProductReview = get_model("reviews", "ProductReview")
REFUSED = "未购买或未发货的商品暂不能评价"
REVIEW = {"score": "5", "title": "胡萝卜很甜", "body": "个头匀称，水分足，孩子爱吃。"}


@pytest.fixture
def carrots(cooperative):
    return make_product(cooperative, title="察右中旗胡萝卜 5斤装")


@pytest.fixture
def tea(other_cooperative):
    return make_product(other_cooperative, title="武川雪菊 罐装")


def shipped_order(buyer, product, manager=None):
    order = make_order([(product, 1)], user=buyer, status=statuses.PAID)
    services.ship(
        order, list(order.lines.all()), carrier="SF", tracking_number="SF123456789012", user=manager
    )
    order.refresh_from_db()
    return order


def add_url(product):
    return reverse(
        "catalogue:reviews-add", kwargs={"product_slug": product.slug, "product_pk": product.pk}
    )


def gps_jpeg(name="photo.jpg", size=(120, 90)):
    """A JPEG carrying EXIF with a GPS position (what a phone's camera writes)."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (40.0, 1.0, 0.0), 3: "E", 4: (111.0, 30.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def post_review(client, product, photos=(), **fields):
    return client.post(add_url(product), {**REVIEW, **fields, "photos": list(photos)}, follow=True)


# --- Who may write ---------------------------------------------------------------------------


def test_a_buyer_whose_line_shipped_reviews_it_once(client, consumer, carrots, manager):
    order = shipped_order(consumer, carrots, manager)
    client.force_login(consumer)
    page = client.get(carrots.get_absolute_url()).content.decode()
    assert "写评价" in page and f'href="{add_url(carrots)}"' in page
    assert client.get(add_url(carrots)).status_code == 200

    response = post_review(client, carrots)
    assert response.status_code == 200
    review = ProductReview.objects.get()
    assert review.user == consumer and review.status == ProductReview.FOR_MODERATION
    assert review.purchase.line == order.lines.get()
    assert "写评价" not in client.get(carrots.get_absolute_url()).content.decode()

    again = post_review(client, carrots, title="再评一次")
    assert REFUSED in again.content.decode()
    assert ProductReview.objects.count() == 1 and LineReview.objects.count() == 1


@pytest.mark.parametrize("who", ["paid_not_shipped", "non_buyer", "anonymous"])
def test_everyone_else_is_refused_and_nothing_is_written(client, consumer, carrots, who):
    if who == "paid_not_shipped":
        make_order([(carrots, 1)], user=consumer, status=statuses.PAID)
        client.force_login(consumer)
    elif who == "non_buyer":
        shipped_order(UserFactory(), carrots)  # someone else's shipped line is not theirs
        client.force_login(consumer)
    page = client.get(carrots.get_absolute_url()).content.decode()
    assert f'href="{add_url(carrots)}"' not in page  # no 写评价 button (sign-in link aside)

    response = post_review(client, carrots, photos=[gps_jpeg()])
    assert REFUSED in response.content.decode()
    assert response.redirect_chain[-1][0] == carrots.get_absolute_url()
    assert not ProductReview.objects.exists() and not ReviewPhoto.objects.exists()
    assert REFUSED in client.get(add_url(carrots), follow=True).content.decode()


def test_a_refunded_line_may_not_be_reviewed(consumer, carrots):
    from orders.reviews import services as reviews

    order = shipped_order(consumer, carrots)
    order.lines.update(status=statuses.REFUNDED)
    assert not reviews.may_review(consumer, carrots)


# --- Photos ----------------------------------------------------------------------------------


def test_photos_are_re_encoded_without_exif(client, consumer, carrots):
    shipped_order(consumer, carrots)
    client.force_login(consumer)
    post_review(client, carrots, photos=[gps_jpeg("IMG_0001.jpg"), gps_jpeg("IMG_0002.jpg")])
    photos = list(ProductReview.objects.get().photos.all())
    assert len(photos) == 2
    for photo in photos:
        assert "IMG_" not in photo.image.name  # never the uploader's name
        with Image.open(photo.image.open()) as stored:
            assert stored.format == "JPEG"
            assert not stored.getexif() and "exif" not in stored.info


def test_more_than_six_photos_or_a_picture_bomb_are_refused(client, consumer, carrots):
    shipped_order(consumer, carrots)
    client.force_login(consumer)
    response = post_review(client, carrots, photos=[gps_jpeg(f"{i}.jpg") for i in range(7)])
    assert "每条评价最多 6 张照片" in response.content.decode()
    bomb = SimpleUploadedFile("bomb.png", png_bomb(20000, 20000), content_type="image/png")
    response = post_review(client, carrots, photos=[bomb])
    assert "像素" in response.content.decode()  # too many pixels, with the limit
    assert not ProductReview.objects.exists() and not ReviewPhoto.objects.exists()
    post_review(client, carrots, photos=[gps_jpeg(f"{i}.jpg") for i in range(6)])
    assert ReviewPhoto.objects.count() == 6


# --- Moderation ------------------------------------------------------------------------------


def approve_url():
    return reverse("dashboard:reviews-list")


def test_a_review_is_shown_only_after_approval(client, consumer, carrots):
    shipped_order(consumer, carrots)
    client.force_login(consumer)
    post_review(client, carrots, photos=[gps_jpeg()])
    review = ProductReview.objects.get()
    client.logout()
    page = client.get(carrots.get_absolute_url()).content.decode()
    assert REVIEW["title"] not in page and "已购" not in page
    detail = reverse(
        "catalogue:reviews-detail",
        kwargs={"product_slug": carrots.slug, "product_pk": carrots.pk, "pk": review.pk},
    )
    assert client.get(detail).status_code == 404  # Oscar's own page showed it by number

    review.status = ProductReview.APPROVED
    review.save()
    page = client.get(carrots.get_absolute_url()).content.decode()
    assert REVIEW["title"] in page and "已购" in page
    assert 'class="jm-review-photos' in page
    assert consumer.email not in page
    assert client.get(detail).status_code == 200


def test_a_manager_approves_their_own_products_reviews_only(
    client, consumer, carrots, tea, manager, other_manager
):
    shipped_order(consumer, carrots)
    shipped_order(consumer, tea)
    client.force_login(consumer)
    post_review(client, carrots)
    post_review(client, tea, title="雪菊清香")
    own = ProductReview.objects.get(product=carrots)
    other = ProductReview.objects.get(product=tea)

    client.force_login(manager)
    listing = client.get(reverse("dashboard:reviews-list")).content.decode()
    assert own.title in listing and other.title not in listing
    update = "dashboard:reviews-update"
    assert client.get(reverse(update, kwargs={"pk": own.pk})).status_code == 200
    assert client.get(reverse(update, kwargs={"pk": other.pk})).status_code == 404
    # Neither the review page's form nor the list's bulk action reaches another's review.
    client.post(reverse(update, kwargs={"pk": other.pk}), {"status": ProductReview.APPROVED})
    client.post(
        reverse("dashboard:reviews-list"),
        {"action": "update_selected_review_status", "selected_review": [other.pk],
         "status": ProductReview.APPROVED},
    )  # fmt: skip
    other.refresh_from_db()
    assert other.status == ProductReview.FOR_MODERATION

    # Their own: approved from the review's page (the buyer's words are not theirs to edit).
    response = client.post(
        reverse(update, kwargs={"pk": own.pk}),
        {"status": ProductReview.APPROVED, "title": "改掉标题", "body": "改", "score": 1},
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.status == ProductReview.APPROVED and own.title == REVIEW["title"] and own.score == 5
    assert client.get(reverse("dashboard:reviews-delete", kwargs={"pk": own.pk})).status_code in (
        302,
        403,
    )  # deleting is staff's

    # ...and in bulk, as the other cooperative's manager does theirs.
    client.force_login(other_manager)
    client.post(
        reverse("dashboard:reviews-list"),
        {"action": "update_selected_review_status", "selected_review": [other.pk, own.pk],
         "status": ProductReview.REJECTED},
    )  # fmt: skip
    other.refresh_from_db()
    own.refresh_from_db()
    assert other.status == ProductReview.REJECTED and own.status == ProductReview.APPROVED


# --- Rating and count ------------------------------------------------------------------------


def test_rating_and_count_on_cards_and_product_page_after_approval(client, carrots):
    buyers = [UserFactory() for _ in range(2)]
    for buyer, score in zip(buyers, (5, 4), strict=True):
        shipped_order(buyer, carrots)
        client.force_login(buyer)
        post_review(client, carrots, score=str(score))
    client.logout()
    assert "★" not in client.get(reverse("catalogue:index")).content.decode()
    assert "jm-rating" not in client.get(carrots.get_absolute_url()).content.decode()

    for review in ProductReview.objects.all():
        review.status = ProductReview.APPROVED
        review.save()
    card = client.get(reverse("catalogue:index")).content.decode()
    assert "★</span>4.5" in card and "(2)" in card
    page = client.get(carrots.get_absolute_url()).content.decode()
    assert "★</span>4.5" in page and "(2)" in page


def test_the_managers_dashboard_menu_leads_to_their_reviews(client, manager, cooperative):
    client.force_login(manager)
    page = client.get(reverse("dashboard:index"), follow=True).content.decode()
    assert f'href="{reverse("dashboard:reviews-list")}"' in page


def test_the_review_page_in_the_dashboard_shows_the_buyers_words_and_photos(
    client, consumer, carrots, manager
):
    shipped_order(consumer, carrots)
    client.force_login(consumer)
    post_review(client, carrots, photos=[gps_jpeg()])
    client.force_login(manager)
    review = ProductReview.objects.get()
    page = client.get(reverse("dashboard:reviews-update", kwargs={"pk": review.pk})).content
    page = page.decode()
    assert REVIEW["body"] in page and "jm-review-photos" in page and 'name="title"' not in page


def test_listing_queries_do_not_grow_with_reviewed_products(client, cooperative):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def listing_queries():
        client.get(reverse("catalogue:index"))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("catalogue:index")).status_code == 200
        return len(captured)

    products = [make_product(cooperative, title=f"评价商品{i}") for i in range(2)]
    ProductReview.objects.create(product=products[0], user=UserFactory(), score=4, title="好",
                                 body="好", status=ProductReview.APPROVED)  # fmt: skip
    few = listing_queries()
    for i in range(8):
        product = make_product(cooperative, title=f"更多评价商品{i}")
        ProductReview.objects.create(product=product, user=UserFactory(), score=5, title="好",
                                     body="好", status=ProductReview.APPROVED)  # fmt: skip
    assert listing_queries() == few
