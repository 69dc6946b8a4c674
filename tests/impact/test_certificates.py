"""消费帮扶证明 (impact/certificates.py, /certificates/): what a certificate says for a person or
an organisation and a year, who may download it, and the public page that verifies its signed
identifier."""

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from cooperatives.models import BenefitEntry
from impact import certificates as certs
from impact import sales
from orders import services, statuses
from orders.payments.models import Refund, RefundLine
from orders.payments.refunds import line_refund_amount, refundable_lines
from organisations.models import Member, Organisation
from tests.factories import (
    CooperativeFactory,
    CountyFactory,
    MembershipFactory,
    UserFactory,
    make_credit_code,
    make_order,
    make_product,
)

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
LAST_YEAR = timezone.localdate().year - 1


def at(year, month, day, hour=12, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING)


def paid(items, *, user=None, when=None, organisation=None):
    """An order of ``items`` [(product, quantity)] placed and paid at ``when`` (Beijing)."""
    when = when or at(LAST_YEAR, 6, 1)
    with time_machine.travel(when, tick=False):
        fields = {"organisation": organisation} if organisation else {}
        return make_order(items, user=user, status=statuses.PAID, **fields)


def refund(order, parts, when=None):
    """A refund made of ``parts`` [(line, quantity)], as the payments service records one."""
    when = when or timezone.now()
    available = {item.line.pk: item for item in refundable_lines(order)}
    made = Refund.objects.create(order=order, amount=0, status=Refund.Status.REFUNDED, decided=when)
    refunded = []
    for line, quantity in parts:
        amount = line_refund_amount(available[line.pk], quantity)
        RefundLine.objects.create(refund=made, line=line, quantity=quantity, amount=amount)
        refunded.append(services.RefundedPart(line, quantity, amount))
    made.amount = sum(part.amount for part in refunded)
    made.save()
    services.refund(order, refunded, amount=made.amount, reference=f"refund-{made.pk}", at=when)
    return made


@pytest.fixture
def shop(db):
    """Two cooperatives in two counties, each with member households, and their products."""
    north = CooperativeFactory(county=CountyFactory(name="察右中旗"))
    south = CooperativeFactory(county=CountyFactory(name="武川县"))
    for _ in range(3):
        MembershipFactory(cooperative=north)
    for _ in range(2):
        MembershipFactory(cooperative=south)
    return {
        "carrots": make_product(north, title="草原胡萝卜", price="30.00"),
        "oats": make_product(north, title="燕麦米", price="20.00"),
        "tea": make_product(south, title="雪菊茶", price="50.00"),
        "north": north,
        "south": south,
    }


@pytest.fixture
def organisation(db):
    applicant = UserFactory()
    return Organisation.objects.create(
        name="北京市房山区某某中心",
        kind=Organisation.Kind.BUDGET_UNIT,
        credit_code=make_credit_code("110111"),
        district="房山区",
        contact_name="张联系",
        contact_phone="13900000001",
        licence="organisations/licences/x.png",
        status=Organisation.Status.APPROVED,
        applied_by=applicant,
    )


def member_of(organisation, role=Member.Role.BUYER):
    user = UserFactory()
    Member.objects.create(organisation=organisation, user=user, role=role)
    return user


# --- What it says --------------------------------------------------------------------------------


def test_a_persons_certificate_says_what_they_bought_that_year(shop, consumer):
    first = paid([(shop["carrots"], 2), (shop["tea"], 1)], user=consumer)
    paid([(shop["oats"], 4)], user=consumer, when=at(LAST_YEAR, 11, 30))
    paid([(shop["oats"], 9)], user=consumer, when=at(LAST_YEAR - 1, 6, 1))  # another year
    paid([(shop["oats"], 4)], user=UserFactory())  # someone else
    with time_machine.travel(at(LAST_YEAR, 7, 1), tick=False):
        make_order([(shop["tea"], 5)], user=consumer)  # never paid

    found = certs.certificate(certs.Subject.person(consumer), LAST_YEAR)

    assert found.amount == Decimal("190.00")  # 2×30 + 50 + 4×20
    assert found.units == 7
    assert [(p["name"], p["units"], p["amount"]) for p in found.products] == [
        ("燕麦米", 4, Decimal("80.00")),  # largest amount first
        ("草原胡萝卜", 2, Decimal("60.00")),
        ("雪菊茶", 1, Decimal("50.00")),
    ]
    assert found.counties == ["察右中旗", "武川县"]
    assert found.cooperatives == sorted([shop["north"].name, shop["south"].name])
    assert found.households == 5  # every member household of both cooperatives got a share
    assert BenefitEntry.objects.filter(order_line__order=first).exists()


def test_its_figures_are_booked_sales_of_the_same_orders(shop, consumer):
    """The amount is THE definition of a sale (impact.sales) over the year's orders."""
    one = paid([(shop["carrots"], 2), (shop["tea"], 1)], user=consumer)
    two = paid([(shop["oats"], 3)], user=consumer, when=at(LAST_YEAR, 3, 3))
    refund(one, [(one.lines.get(product=shop["carrots"]), 1)])

    found = certs.certificate(certs.Subject.person(consumer), LAST_YEAR)

    same = sales.Line.objects.filter(order__in=[one, two])
    booked = sales.booked(same)
    assert found.amount == booked["revenue"] == sales.figures(same)["revenue"]
    assert found.amount == Decimal("140.00")
    assert found.units == booked["units"] == 5


def test_the_year_is_beijings(shop, consumer):
    """Paid at 23:30 on 31 December in Beijing (15:30 UTC) is that year's; at 00:30 on
    1 January (still 31 December in UTC) the next."""
    paid([(shop["carrots"], 1)], user=consumer, when=at(LAST_YEAR - 1, 12, 31, 23, 30))
    paid([(shop["oats"], 1)], user=consumer, when=at(LAST_YEAR, 1, 1, 0, 30))

    subject = certs.Subject.person(consumer)
    assert certs.certificate(subject, LAST_YEAR - 1).amount == Decimal("30.00")
    assert certs.certificate(subject, LAST_YEAR).amount == Decimal("20.00")
    assert certs.years(subject)[:3] == [LAST_YEAR + 1, LAST_YEAR, LAST_YEAR - 1]


def test_a_persons_certificate_leaves_out_what_they_bought_for_an_organisation(shop, organisation):
    buyer = member_of(organisation)
    paid([(shop["carrots"], 1)], user=buyer)
    paid([(shop["tea"], 2)], user=buyer, organisation=organisation)

    mine = certs.certificate(certs.Subject.person(buyer), LAST_YEAR)
    theirs = certs.certificate(certs.Subject.organisation(organisation.pk), LAST_YEAR)

    assert mine.amount == Decimal("30.00")
    assert theirs.amount == Decimal("100.00")
    assert theirs.counties == ["武川县"]
    assert theirs.households == 2


def test_a_refund_takes_households_out_when_their_share_is_wholly_reversed(shop, consumer):
    order = paid([(shop["carrots"], 1), (shop["tea"], 1)], user=consumer)
    refund(order, [(order.lines.get(product=shop["tea"]), 1)])

    found = certs.certificate(certs.Subject.person(consumer), LAST_YEAR)

    assert found.amount == Decimal("30.00")
    assert found.counties == ["察右中旗"]  # nothing is left of 武川县's tea
    assert found.households == 3


def test_a_year_with_nothing_bought_is_empty(shop, consumer):
    order = paid([(shop["carrots"], 1)], user=consumer)
    assert certs.certificate(certs.Subject.person(consumer), LAST_YEAR - 1).is_empty
    refund(order, [(order.lines.get(), 1)])
    found = certs.certificate(certs.Subject.person(consumer), LAST_YEAR)
    assert found.is_empty and found.amount == Decimal("0.00")


def test_the_certificate_takes_a_few_queries_however_many_orders(
    shop, consumer, django_assert_max_num_queries
):
    for month in range(1, 13):
        paid([(shop["carrots"], 1), (shop["tea"], 1)], user=consumer, when=at(LAST_YEAR, month, 2))
    with django_assert_max_num_queries(5):
        found = certs.certificate(certs.Subject.person(consumer), LAST_YEAR)
    assert found.units == 24


def test_a_person_is_named_masked():
    assert certs.masked_person(UserFactory.build(first_name="张", last_name="小明")) == "张*明"
    assert certs.masked_person(UserFactory.build(first_name="", last_name="")) == "个人消费者"


# --- Pages and permissions -------------------------------------------------------------------------


def test_the_page_needs_a_sign_in(client):
    response = client.get(reverse("certificates:mine"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_person_sees_their_year_and_downloads_the_pdf(client, shop, consumer):
    consumer.first_name, consumer.last_name = "王", "小明"
    consumer.save()
    paid([(shop["carrots"], 2)], user=consumer)
    client.force_login(consumer)

    page = client.get(reverse("certificates:mine"), {"year": LAST_YEAR})
    assert page.status_code == 200
    body = page.content.decode()
    assert "¥60.00" in body and "草原胡萝卜" in body and "王*明" in body
    assert f"{reverse('certificates:mine-pdf')}?year={LAST_YEAR}" in body

    pdf = client.get(reverse("certificates:mine-pdf"), {"year": LAST_YEAR})
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert pdf.content.startswith(b"%PDF")


def verify_url_in(pdf: bytes) -> str:
    """The verify URL a certificate PDF links to (its link annotation, plain text in the file)."""
    [url] = set(re.findall(rb"/URI \((https?://[^)]+)\)", pdf))
    return url.decode()


def test_the_pdf_holds_the_absolute_verify_url_of_its_token(client, shop, consumer):
    paid([(shop["carrots"], 2)], user=consumer)
    client.force_login(consumer)
    response = client.get(reverse("certificates:mine-pdf"), {"year": LAST_YEAR})
    assert response.content.startswith(b"%PDF")

    url = verify_url_in(response.content)
    prefix = "http://testserver/certificates/verify/"
    assert url.startswith(prefix) and url.endswith("/")
    token = url.removeprefix(prefix).rstrip("/")
    assert url == "http://testserver" + reverse("certificates:verify", kwargs={"token": token})
    issued = certs.read_token(token)
    assert issued.subject == certs.Subject("p", consumer.pk)
    assert (issued.year, issued.amount) == (LAST_YEAR, Decimal("60.00"))
    assert issued.issued == timezone.localdate()
    assert client.get(url).status_code == 200


def test_the_pdf_draws_its_qr_code_from_the_url(shop, consumer, monkeypatch):
    """The QR code is made of exactly the verify URL given (the qrcode package's data)."""
    import qrcode

    paid([(shop["carrots"], 1)], user=consumer)
    found = certs.certificate(certs.Subject.person(consumer), LAST_YEAR)
    encoded = []
    real_add = qrcode.QRCode.add_data
    monkeypatch.setattr(
        qrcode.QRCode,
        "add_data",
        lambda self, data, *a: (encoded.append(data), real_add(self, data, *a)),
    )
    url = "https://shop.example/certificates/verify/abc/"
    pdf = certs.certificate_pdf(
        found, buyer="王*明", verify_url=url, issued=timezone.localdate(), platform="京蒙优选"
    )
    assert pdf.startswith(b"%PDF") and encoded == [url]


def test_a_year_with_nothing_gives_a_message_and_no_pdf(client, shop, consumer):
    client.force_login(consumer)
    page = client.get(reverse("certificates:mine"), {"year": LAST_YEAR})
    assert page.status_code == 200
    assert f"{LAST_YEAR} 年没有已付款的购买" in page.content.decode()
    assert "certificate-download" not in page.content.decode()

    response = client.get(reverse("certificates:mine-pdf"), {"year": LAST_YEAR}, follow=True)
    assert response["Content-Type"].startswith("text/html")
    assert f"{LAST_YEAR} 年没有已付款的购买" in response.content.decode()


@pytest.mark.parametrize("year", ["abc", "1999", "3000"])
def test_a_bad_year_is_said_and_this_year_shown(client, consumer, year):
    client.force_login(consumer)
    page = client.get(reverse("certificates:mine"), {"year": year})
    assert page.status_code == 200
    assert "没有该年度的证明" in page.content.decode()
    assert page.context["year"] == timezone.localdate().year
    response = client.get(reverse("certificates:mine-pdf"), {"year": year})
    assert response.status_code == 302


def test_a_person_only_ever_sees_their_own(client, shop, consumer):
    paid([(shop["carrots"], 2)], user=consumer)
    other = UserFactory()
    client.force_login(other)
    page = client.get(reverse("certificates:mine"), {"year": LAST_YEAR})
    assert page.context["certificate"].is_empty
    assert client.get(reverse("certificates:mine-pdf"), {"year": LAST_YEAR}).status_code == 302


def test_an_organisations_admins_see_its_certificate(client, shop, organisation):
    buyer = member_of(organisation)
    paid([(shop["tea"], 2)], user=buyer, organisation=organisation)
    admin = member_of(organisation, Member.Role.ADMIN)
    client.force_login(admin)

    url = reverse("certificates:organisation", kwargs={"pk": organisation.pk, "year": LAST_YEAR})
    page = client.get(url)
    assert page.status_code == 200
    assert organisation.name in page.content.decode() and "¥100.00" in page.content.decode()
    pdf = client.get(
        reverse("certificates:organisation-pdf", kwargs={"pk": organisation.pk, "year": LAST_YEAR})
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # The year picker goes on to the year's own address.
    picked = client.get(url, {"year": LAST_YEAR - 1})
    assert picked["Location"] == reverse(
        "certificates:organisation", kwargs={"pk": organisation.pk, "year": LAST_YEAR - 1}
    )


def test_anybody_else_gets_404_for_an_organisation(client, shop, organisation, consumer, staff):
    buyer = member_of(organisation)
    paid([(shop["tea"], 2)], user=buyer, organisation=organisation)
    other = Organisation.objects.create(
        name="另一单位", kind=Organisation.Kind.COMPANY, credit_code=make_credit_code("110105"),
        district="朝阳区", contact_name="李", contact_phone="13900000002",
        licence="organisations/licences/y.png", status=Organisation.Status.APPROVED,
        applied_by=consumer,
    )  # fmt: skip
    outsider = member_of(other, Member.Role.ADMIN)
    kwargs = {"pk": organisation.pk, "year": LAST_YEAR}
    for user in (consumer, outsider, staff):
        client.force_login(user)
        assert client.get(reverse("certificates:organisation", kwargs=kwargs)).status_code == 404
        assert (
            client.get(reverse("certificates:organisation-pdf", kwargs=kwargs)).status_code == 404
        )
    # Its own 采购员: the whole organisation's purchases are its administrators' (review H8 #6).
    client.force_login(buyer)
    assert client.get(reverse("certificates:organisation", kwargs=kwargs)).status_code == 404
    assert client.get(reverse("certificates:organisation-pdf", kwargs=kwargs)).status_code == 404
    # A member of an organisation not (or no longer) approved: 404 too.
    Organisation.objects.filter(pk=organisation.pk).update(status=Organisation.Status.PENDING)
    client.force_login(buyer)
    assert client.get(reverse("certificates:organisation", kwargs=kwargs)).status_code == 404


def test_an_organisation_year_out_of_range_is_404(client, organisation):
    client.force_login(member_of(organisation, Member.Role.ADMIN))
    for year in (1999, timezone.localdate().year + 1):
        kwargs = {"pk": organisation.pk, "year": year}
        assert client.get(reverse("certificates:organisation", kwargs=kwargs)).status_code == 404


# --- Verification --------------------------------------------------------------------------------


def issued_token(subject, year, when=None):
    found = certs.certificate(subject, year)
    return certs.token(found, when)


def test_the_verify_page_is_public_and_says_nothing_personal(client, shop, consumer):
    consumer.first_name, consumer.last_name = "王", "小明"
    consumer.save()
    paid([(shop["carrots"], 2), (shop["tea"], 1)], user=consumer)
    token = issued_token(certs.Subject.person(consumer), LAST_YEAR)

    page = client.get(reverse("certificates:verify", kwargs={"token": token}))

    assert page.status_code == 200
    body = page.content.decode()
    assert "证明有效" in body and "个人消费者" in body
    assert "¥110.00" in body and page.context["checked"].is_person
    # a person's: only what was issued (no counties, households or amount today)
    assert "察右中旗" not in body and 'id="verify-amount-today"' not in body
    assert 'id="verify-households"' not in body
    for personal in ("王", "小明", consumer.email, consumer.username):
        assert personal not in body.split("<main", 1)[1]


def test_a_refund_since_the_issue_lowers_todays_amount(client, shop, consumer):
    order = paid([(shop["carrots"], 2), (shop["tea"], 1)], user=consumer)
    token = issued_token(certs.Subject.person(consumer), LAST_YEAR)
    refund(order, [(order.lines.get(product=shop["tea"]), 1)])  # made today, next year

    page = client.get(reverse("certificates:verify", kwargs={"token": token}))

    checked = page.context["checked"]
    assert checked.issued.amount == Decimal("110.00")
    assert checked.today.amount == Decimal("60.00")
    assert checked.refunded_since == Decimal("50.00")
    assert "签发以来已退款 ¥50.00" in page.content.decode()


def test_a_persons_later_purchases_never_show_on_the_verify_page(client, shop, consumer):
    """Review H8 finding 14: whoever holds a person's shared certificate learns nothing of what
    they bought after it was issued, only a refund of what it covered."""
    first = paid([(shop["carrots"], 2)], user=consumer, when=at(LAST_YEAR, 3, 1))
    issued_on = at(LAST_YEAR, 3, 10).date()
    token = issued_token(certs.Subject.person(consumer), LAST_YEAR, issued_on)
    paid([(shop["tea"], 4)], user=consumer, when=at(LAST_YEAR, 9, 1))  # ¥200 more, later

    page = client.get(reverse("certificates:verify", kwargs={"token": token}))
    body = page.content.decode()
    assert page.status_code == 200 and "¥60.00" in body
    assert "¥260.00" not in body and "¥200.00" not in body and 'id="verify-more"' not in body
    assert 'id="verify-unchanged"' in body
    assert page.context["checked"].today.amount == Decimal("60.00")

    # a refund of what it covered shows as refunded since, still without today's figure
    refund(first, [(first.lines.get(), 1)])
    body = client.get(reverse("certificates:verify", kwargs={"token": token})).content.decode()
    assert 'id="verify-refunded"' in body and "¥30.00" in body
    assert "¥230.00" not in body and 'id="verify-amount-today"' not in body


def test_an_organisations_verify_page_keeps_todays_figures(client, shop, organisation):
    buyer = member_of(organisation)
    paid([(shop["tea"], 2)], user=buyer, organisation=organisation, when=at(LAST_YEAR, 3, 1))
    token = issued_token(
        certs.Subject.organisation(organisation.pk), LAST_YEAR, at(LAST_YEAR, 3, 10).date()
    )
    paid([(shop["tea"], 1)], user=buyer, organisation=organisation, when=at(LAST_YEAR, 9, 1))
    body = client.get(reverse("certificates:verify", kwargs={"token": token})).content.decode()
    assert 'id="verify-amount-today"' in body and "¥150.00" in body
    assert 'id="verify-more"' in body and "武川县" in body


def test_an_organisations_certificate_verifies_with_its_name(client, shop, organisation):
    paid([(shop["tea"], 2)], user=member_of(organisation), organisation=organisation)
    token = issued_token(certs.Subject.organisation(organisation.pk), LAST_YEAR)
    page = client.get(reverse("certificates:verify", kwargs={"token": token}))
    assert page.status_code == 200
    assert organisation.name in page.content.decode()
    assert "个人消费者" not in page.content.decode()


def test_a_tampered_or_garbled_token_cannot_be_verified(client, shop, consumer):
    paid([(shop["carrots"], 2)], user=consumer)
    token = issued_token(certs.Subject.person(consumer), LAST_YEAR)
    forged_payload = signing.dumps(["p", consumer.pk, LAST_YEAR, "99999.00", 20260101])
    tampered = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # the signature
        "x" + token,
        forged_payload,  # signed, but not with the certificates' salt
        signing.dumps(["p", "1", LAST_YEAR, "1.00", 20260101], salt=certs.SALT),  # wrong shape
        signing.dumps(["q", 1, LAST_YEAR, "1.00", 20260101], salt=certs.SALT),
        signing.dumps(["p", 10**9, LAST_YEAR, "1.00", 20260101], salt=certs.SALT),  # nobody
        signing.dumps(["p", consumer.pk, 99999, "1.00", 20260101], salt=certs.SALT),
        "garbled",
    ]
    for bad in tampered:
        page = client.get(reverse("certificates:verify", kwargs={"token": bad}))
        assert page.status_code == 404, bad
        body = page.content.decode()
        assert "无法验证" in body
        assert "¥" not in body and "证明有效" not in body


def test_the_token_holds_ids_and_figures_only(shop, consumer):
    consumer.first_name = "王小明"
    consumer.save()
    paid([(shop["carrots"], 2)], user=consumer)
    token = issued_token(certs.Subject.person(consumer), LAST_YEAR)
    assert signing.loads(token, salt=certs.SALT) == [
        "p", consumer.pk, LAST_YEAR, "60.00", int(timezone.localdate().strftime("%Y%m%d"))
    ]  # fmt: skip
    assert len(token) < 100


def test_nothing_personal_is_logged(client, shop, consumer, caplog):
    consumer.first_name, consumer.last_name = "王", "小明"
    consumer.save()
    paid([(shop["carrots"], 2)], user=consumer)
    client.force_login(consumer)
    with caplog.at_level("DEBUG"):
        pdf = client.get(reverse("certificates:mine-pdf"), {"year": LAST_YEAR}).content
        client.logout()
        client.get(verify_url_in(pdf))
        client.get(reverse("certificates:verify", kwargs={"token": "garbled"}))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for personal in ("王", "小明", consumer.email):
        assert personal not in logged


def test_the_verify_page_takes_a_few_queries(
    client, shop, organisation, django_assert_max_num_queries
):
    for month in (1, 5, 9):
        paid([(shop["tea"], 1)], user=member_of(organisation), organisation=organisation,
             when=at(LAST_YEAR, month, 3))  # fmt: skip
    token = issued_token(certs.Subject.organisation(organisation.pk), LAST_YEAR)
    url = reverse("certificates:verify", kwargs={"token": token})
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
