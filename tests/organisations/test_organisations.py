"""Organisation buyers (issue 26): applying, staff's decision, members and roles, who sees which
page (querysets: anyone else gets 404), the orders page and the year's reserved share."""

import io
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model
from PIL import Image

from orders import services as orders_services
from orders.payments.models import Refund, RefundLine
from orders.payments.refunds import line_refund_amount, refundable_lines
from organisations import selectors, services
from organisations.models import Member, Organisation, PurchaseBatch, ReservedShare
from shop.models import PhoneAccount
from tests.factories import UserFactory, make_credit_code, make_order, make_product

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")


def picture(name="licence.png", colour="white"):
    out = io.BytesIO()
    Image.new("RGB", (60, 40), colour).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def application(**fields):
    return {
        "name": "房山区测试单位工会",
        "kind": Organisation.Kind.UNION,
        "credit_code": make_credit_code("110111"),
        "district": "房山区",
        "contact_name": "演示联系人",
        "contact_phone": "139 0000 0001",
        "contact_email": "contact@example.com",
        **fields,
    }


def applied(user, **fields) -> Organisation:
    return services.apply(user=user, licence=picture(), **application(**fields))


def approved_org(admin=None, *, staff_user=None, **fields) -> Organisation:
    admin = admin or UserFactory()
    organisation = applied(admin, **fields)
    return services.approve(organisation, by=staff_user or UserFactory(is_staff=True))


# --- Applying ------------------------------------------------------------------------------------


def test_an_application_is_pending_with_its_licence_kept_privately(consumer, settings):
    organisation = applied(consumer, credit_code=make_credit_code("110111").lower())
    assert organisation.status == Organisation.Status.PENDING
    assert organisation.applied_by == consumer
    assert organisation.credit_code == organisation.credit_code.upper()
    assert organisation.contact_phone == "13900000001"
    stored = Path(organisation.licence.path)
    assert stored.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT)) and stored.exists()
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT))
    assert stored.suffix in (".png", ".jpg") and "licence" not in stored.name  # re-encoded
    assert not Member.objects.exists()  # a member only once approved


def test_the_apply_page_makes_an_application_and_shows_its_status(client, consumer):
    client.force_login(consumer)
    assert client.get(reverse("organisations:apply")).status_code == 200
    response = client.post(
        reverse("organisations:apply"), {**application(), "licence": picture()}, follow=True
    )
    organisation = Organisation.objects.get()
    assert organisation.applied_by == consumer and organisation.name == "房山区测试单位工会"
    html = response.content.decode()
    assert "房山区测试单位工会" in html and "待审核" in html


def test_a_bad_check_character_is_refused_with_a_clear_message_and_nothing_made(client, consumer):
    good = make_credit_code("110111")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    client.force_login(consumer)
    response = client.post(
        reverse("organisations:apply"),
        {**application(credit_code=bad), "licence": picture()},
    )
    assert response.status_code == 200
    assert "统一社会信用代码校验位不正确" in response.content.decode()
    assert "房山区测试单位工会" in response.content.decode()  # what was typed stays
    assert not Organisation.objects.exists()
    with pytest.raises(ValidationError):
        services.apply(user=consumer, licence=picture(), **application(credit_code=bad))
    assert not Organisation.objects.exists()


def test_a_bad_mobile_or_a_missing_licence_or_not_a_picture_makes_nothing(client, consumer):
    client.force_login(consumer)
    url = reverse("organisations:apply")
    html = client.post(url, {**application(contact_phone="12345"), "licence": picture()})
    assert "手机号" in html.content.decode()
    assert client.post(url, application()).status_code == 200  # no licence
    fake = SimpleUploadedFile("licence.png", b"<html>not a picture</html>", "image/png")
    assert "不是图片" in client.post(url, {**application(), "licence": fake}).content.decode()
    with pytest.raises(ValidationError, match="营业执照"):
        services.apply(user=consumer, licence=None, **application())
    assert not Organisation.objects.exists()


def test_a_registered_credit_code_is_refused_with_a_clear_message(client, consumer):
    existing = applied(UserFactory())
    client.force_login(consumer)
    response = client.post(
        reverse("organisations:apply"),
        {**application(credit_code=existing.credit_code, name="另一单位"), "licence": picture()},
    )
    assert "已注册或正在审核" in response.content.decode()
    assert Organisation.objects.count() == 1


def test_a_rejected_application_is_told_its_reason_and_can_be_sent_again(client, consumer, staff):
    organisation = applied(consumer)
    old_licence = organisation.licence.name
    services.reject(organisation, by=staff, reason="营业执照照片不清楚")
    client.force_login(consumer)
    html = client.get(reverse("organisations:mine")).content.decode()
    assert "未通过" in html and "营业执照照片不清楚" in html
    page = client.get(reverse("organisations:apply") + f"?again={organisation.pk}")
    assert page.context["form"]["name"].value() == "房山区测试单位工会"
    response = client.post(
        reverse("organisations:apply"),
        {**application(credit_code=organisation.credit_code, name="房山区测试单位工会（新）"),
         "again": organisation.pk},
    )  # fmt: skip
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.PENDING
    assert organisation.name == "房山区测试单位工会（新）" and organisation.rejection_reason == ""
    assert organisation.licence.name == old_licence  # kept when none is sent
    assert Organisation.objects.count() == 1


def test_a_rejected_application_does_not_hold_its_code_from_someone_else(
    client, consumer, staff, settings, django_capture_on_commit_callbacks
):
    """Review H8 finding 7: someone applies with the real organisation's code, staff reject it
    as false; the real organisation then applies with that code and takes the application over."""
    squatter = UserFactory()
    organisation = applied(squatter, name="假冒单位")
    old_licence = organisation.licence.name
    services.reject(organisation, by=staff, reason="假冒")

    client.force_login(consumer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organisations:apply"),
            {**application(credit_code=organisation.credit_code.lower(), name="房山区真实单位工会",
                           contact_name="真联系"), "licence": picture()},
        )  # fmt: skip

    assert response.status_code == 302
    assert Organisation.objects.count() == 1
    organisation.refresh_from_db()
    assert organisation.applied_by == consumer
    assert organisation.status == Organisation.Status.PENDING
    assert organisation.name == "房山区真实单位工会" and organisation.contact_name == "真联系"
    assert organisation.rejection_reason == "" and organisation.decided_by is None
    assert organisation.licence.name != old_licence  # the new applicant's own
    assert not Path(settings.PRIVATE_MEDIA_ROOT, old_licence).exists()
    # the squatter no longer sees it, nor may send it again
    assert not selectors.applications_of(squatter).exists()
    with pytest.raises(ValidationError):
        applied(squatter, credit_code=organisation.credit_code)
    # and staff may approve the real one: its applicant becomes the administrator
    services.approve(organisation, by=staff)
    assert organisation.members.get().user == consumer


def test_taking_over_a_rejected_application_needs_a_licence(consumer, staff):
    organisation = applied(UserFactory())
    services.reject(organisation, by=staff, reason="资料不全")
    with pytest.raises(ValidationError) as refused:
        services.apply(user=consumer, licence=None,
                       **application(credit_code=organisation.credit_code))  # fmt: skip
    assert "licence" in refused.value.message_dict
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.REJECTED
    assert organisation.applied_by != consumer


def test_a_pending_or_approved_code_is_still_refused_to_someone_else(consumer, staff):
    pending = applied(UserFactory())
    with pytest.raises(ValidationError):
        applied(consumer, credit_code=pending.credit_code)
    services.approve(pending, by=staff)
    with pytest.raises(ValidationError):
        applied(consumer, credit_code=pending.credit_code)
    pending.refresh_from_db()
    assert pending.status == Organisation.Status.APPROVED and pending.applied_by != consumer


# --- Staff's decision ----------------------------------------------------------------------------


def test_approval_makes_the_applicant_its_administrator_and_emails_them(
    consumer, staff, django_capture_on_commit_callbacks
):
    organisation = applied(consumer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(organisation, by=staff)
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.APPROVED
    assert organisation.decided_by == staff and organisation.decided_at is not None
    member = Member.objects.get()
    assert member.user == consumer and member.role == Member.Role.ADMIN
    [email] = mail.outbox
    assert email.to == [consumer.email] and "已通过" in email.subject
    with pytest.raises(ValidationError):
        services.approve(organisation, by=staff)  # decided once


def test_rejection_needs_a_reason_and_emails_it(
    consumer, staff, django_capture_on_commit_callbacks
):
    organisation = applied(consumer)
    with pytest.raises(ValidationError):
        services.reject(organisation, by=staff, reason="  ")
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.PENDING
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.reject(organisation, by=staff, reason="信用代码与执照不符")
    [email] = mail.outbox
    assert "未通过" in email.subject and "信用代码与执照不符" in email.body
    assert not Member.objects.exists()


def test_the_dashboard_lists_pending_first_filters_and_decides(client, staff, consumer):
    decided = approved_org(name="先前单位")
    pending = applied(consumer, name="待审单位")
    client.force_login(staff)
    page = client.get(reverse("dashboard:organisation-list"))
    assert [o.pk for o in page.context["organisations"]] == [pending.pk, decided.pk]
    filtered = client.get(reverse("dashboard:organisation-list") + "?status=approved")
    assert [o.pk for o in filtered.context["organisations"]] == [decided.pk]

    detail = reverse("dashboard:organisation-detail", kwargs={"pk": pending.pk})
    html = client.get(detail).content.decode()
    licence_url = reverse("dashboard:organisation-licence", kwargs={"pk": pending.pk})
    assert licence_url in html and pending.credit_code in html
    licence = client.get(licence_url)
    assert licence.status_code == 200 and licence["Content-Type"].startswith("image/")

    refused = client.post(detail, {"decision": "reject", "reason": ""})
    assert refused.status_code == 200 and "请说明" in refused.content.decode()
    pending.refresh_from_db()
    assert pending.status == Organisation.Status.PENDING
    assert client.post(detail, {"decision": "approve"}).status_code == 302
    pending.refresh_from_db()
    assert pending.status == Organisation.Status.APPROVED


def test_the_dashboard_is_staff_only(client, consumer, manager):
    organisation = applied(consumer)
    for user in (consumer, manager):
        client.force_login(user)
        for url in (
            reverse("dashboard:organisation-list"),
            reverse("dashboard:organisation-licence", kwargs={"pk": organisation.pk}),
        ):
            assert client.get(url).status_code in (302, 403, 404)


# --- Members ---------------------------------------------------------------------------------------


def test_an_administrator_adds_members_by_email_or_mobile(consumer):
    organisation = approved_org(consumer)
    by_email = UserFactory(email="Buyer@Example.com")
    by_mobile = UserFactory(email="")
    PhoneAccount.objects.create(user=by_mobile, number="+8613900000002")
    member = services.add_member(
        organisation, by=consumer, contact="buyer@example.com", role=Member.Role.BUYER
    )
    assert member.user == by_email and member.added_by == consumer
    member = services.add_member(
        organisation, by=consumer, contact="139-0000-0002", role=Member.Role.ADMIN
    )
    assert member.user == by_mobile and member.role == Member.Role.ADMIN
    with pytest.raises(ValidationError, match="已是成员|already"):
        services.add_member(
            organisation, by=consumer, contact="buyer@example.com", role=Member.Role.BUYER
        )
    assert organisation.members.count() == 3


def test_adding_someone_with_no_account_says_so_and_adds_nobody(client, consumer):
    organisation = approved_org(consumer)
    client.force_login(consumer)
    url = reverse("organisations:members", kwargs={"pk": organisation.pk})
    response = client.post(url, {"action": "add", "contact": "nobody@example.com", "role": "buyer"})
    assert response.status_code == 200
    assert "没有使用此邮箱或手机号的账号" in response.content.decode()
    assert organisation.members.count() == 1


def test_a_purchaser_cannot_manage_members(consumer):
    organisation = approved_org(consumer)
    buyer = UserFactory()
    services.add_member(organisation, by=consumer, contact=buyer.email, role=Member.Role.BUYER)
    with pytest.raises(ValidationError):
        services.add_member(
            organisation, by=buyer, contact=UserFactory().email, role=Member.Role.BUYER
        )
    admin = organisation.members.get(user=consumer)
    with pytest.raises(ValidationError):
        services.remove_member(admin, by=buyer)
    assert organisation.members.count() == 2


def test_the_last_administrator_can_be_neither_removed_nor_demoted(client, consumer):
    organisation = approved_org(consumer)
    admin = organisation.members.get()
    with pytest.raises(ValidationError, match="至少|at least"):
        services.remove_member(admin, by=consumer)
    with pytest.raises(ValidationError, match="至少|at least"):
        services.change_role(admin, by=consumer, role=Member.Role.BUYER)
    client.force_login(consumer)
    url = reverse("organisations:members", kwargs={"pk": organisation.pk})
    response = client.post(url, {"action": "remove", "member": admin.pk}, follow=True)
    assert "至少需要一名管理员" in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == Member.Role.ADMIN

    other = UserFactory()
    second = services.add_member(organisation, by=consumer, contact=other.email, role="admin")
    services.change_role(admin, by=consumer, role=Member.Role.BUYER)  # another admin is left
    admin.refresh_from_db()
    assert admin.role == Member.Role.BUYER
    with pytest.raises(ValidationError):
        services.remove_member(second, by=other)  # now the last one
    response = client.post(url, {"action": "role", "member": admin.pk, "role": "admin"})
    assert response.status_code == 404  # a purchaser no longer manages members


def test_the_members_page_changes_roles_and_removes(client, consumer):
    organisation = approved_org(consumer)
    buyer = UserFactory(email="colleague@example.com")
    client.force_login(consumer)
    url = reverse("organisations:members", kwargs={"pk": organisation.pk})
    client.post(url, {"action": "add", "contact": "colleague@example.com", "role": "buyer"})
    member = organisation.members.get(user=buyer)
    client.post(url, {"action": "role", "member": member.pk, "role": "admin"})
    member.refresh_from_db()
    assert member.role == Member.Role.ADMIN
    client.post(url, {"action": "remove", "member": member.pk})
    assert not organisation.members.filter(user=buyer).exists()


# --- Who sees which page ----------------------------------------------------------------------------


def test_pages_are_their_members_only(client, consumer):
    organisation = approved_org(consumer)
    buyer = UserFactory()
    services.add_member(organisation, by=consumer, contact=buyer.email, role="buyer")
    pages = {
        name: reverse(f"organisations:{name}", kwargs={"pk": organisation.pk})
        for name in ("detail", "members", "orders", "reserved-share", "licence")
    }
    client.force_login(UserFactory())  # an outsider
    assert {client.get(url).status_code for url in pages.values()} == {404}
    client.force_login(buyer)
    assert client.get(pages["detail"]).status_code == 200
    assert client.get(pages["orders"]).status_code == 200
    for name in ("members", "reserved-share", "licence"):
        assert client.get(pages[name]).status_code == 404
    client.force_login(consumer)
    assert {client.get(url).status_code for url in pages.values()} == {200}
    client.logout()
    assert client.get(pages["detail"]).status_code == 302  # to sign in


def test_a_purchaser_sees_their_own_not_the_organisations_purchases(client, consumer, cooperative):
    """Review H8 finding 6: 管理员 see everything of the organisation, a 采购员 their own. The
    year's purchases (the home page's progress, its XLSX, the certificate) are the whole
    organisation's: its administrators'."""
    from django.utils import timezone

    organisation = approved_org(consumer)
    purchaser, second = UserFactory(), UserFactory()
    for user in (purchaser, second):
        services.add_member(organisation, by=consumer, contact=user.email, role="buyer")
    carrots = make_product(cooperative, price="100.00")
    year = timezone.localdate().year
    mine = make_order([(carrots, 1)], user=purchaser, organisation=organisation)
    theirs = make_order([(carrots, 3)], user=second, organisation=organisation)
    for order in (mine, theirs):
        paid(order, datetime(year, 1, 5, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    home = reverse("organisations:detail", kwargs={"pk": organisation.pk})
    xlsx = reverse("organisations:reserved-share-xlsx", kwargs={"pk": organisation.pk})
    certificate = reverse("certificates:organisation", kwargs={"pk": organisation.pk, "year": year})
    orders = reverse("organisations:orders", kwargs={"pk": organisation.pk})

    client.force_login(purchaser)
    page = client.get(home).content.decode()
    assert 'id="reserved-share"' not in page and "¥400.00" not in page
    assert 'id="org-link-certificate"' not in page
    assert client.get(xlsx).status_code == 404
    assert client.get(certificate).status_code == 404
    listed = client.get(orders).content.decode()
    assert str(mine.number) in listed and str(theirs.number) not in listed

    client.force_login(consumer)  # the administrator
    page = client.get(home).content.decode()
    assert 'id="reserved-share"' in page and "¥400.00" in page
    assert 'id="org-link-certificate"' in page
    assert client.get(xlsx).status_code == 200
    assert client.get(certificate).status_code == 200
    listed = client.get(orders).content.decode()
    assert str(mine.number) in listed and str(theirs.number) in listed


def test_a_pending_organisation_has_no_pages_yet(client, consumer):
    organisation = applied(consumer)
    client.force_login(consumer)
    assert (
        client.get(reverse("organisations:detail", kwargs={"pk": organisation.pk})).status_code
        == 404
    )
    assert Organisation.objects.for_member(consumer).count() == 0
    assert selectors.membership(consumer, organisation.pk) is None


def test_the_orders_page_all_for_administrators_own_for_purchasers(client, consumer, cooperative):
    organisation = approved_org(consumer)
    buyer = UserFactory()
    services.add_member(organisation, by=consumer, contact=buyer.email, role="buyer")
    carrots = make_product(cooperative, price="10.00")
    mine = make_order([(carrots, 1)], user=buyer, organisation=organisation)
    theirs = make_order([(carrots, 1)], user=consumer, organisation=organisation)
    personal = make_order([(carrots, 1)], user=buyer)
    batch = PurchaseBatch.objects.create(
        reference="PB26TEST", organisation=organisation, created_by=consumer, total=10,
        recipients=1,
    )  # fmt: skip
    gift = make_order([(carrots, 1)], user=consumer, organisation=organisation, batch=batch)
    url = reverse("organisations:orders", kwargs={"pk": organisation.pk})
    client.force_login(buyer)
    assert [str(o.number) for o in client.get(url).context["orders"]] == [str(mine.number)]
    client.force_login(consumer)
    numbers = {str(o.number) for o in client.get(url).context["orders"]}
    assert numbers == {str(mine.number), str(theirs.number)} and str(personal.number) not in numbers
    page = client.get(url)  # a gift batch's orders are counted, and listed with their batch
    assert str(gift.number) not in page.content.decode() and page.context["in_batches"] == 1


def test_an_administrator_reaches_the_invoice_of_a_paid_order_a_purchaser_placed(
    client, consumer, cooperative
):
    """The administrator cannot open a purchaser's order page (it is the buyer's), so the
    organisation's order list leads to its 发票; an unpaid order has none to ask for."""
    organisation = approved_org(consumer)
    buyer = UserFactory()
    services.add_member(organisation, by=consumer, contact=buyer.email, role="buyer")
    carrots = make_product(cooperative, price="10.00")
    bought = paid(make_order([(carrots, 1)], user=buyer, organisation=organisation), timezone.now())
    unpaid = make_order([(carrots, 1)], user=buyer, organisation=organisation)
    client.force_login(consumer)
    page = client.get(reverse("organisations:orders", kwargs={"pk": organisation.pk}))
    ask = reverse("invoices:ask-order", kwargs={"number": bought.number})
    assert ask in page.content.decode()
    assert reverse("invoices:ask-order", kwargs={"number": unpaid.number}) not in (
        page.content.decode()
    )
    assert client.get(ask).status_code == 200


# --- Reserved share ----------------------------------------------------------------------------------


def paid(order, when):
    """Paid at ``when`` through the lifecycle (what ``impact.sales.booked`` books by)."""
    orders_services.mark_paid(
        order,
        amount=order.total_incl_tax,
        reference=f"test-{order.number}",
        source=("test", "Test"),
        at=when,
    )
    return order


def refund_made(order, line, quantity, at):
    """A refund of ``quantity`` of ``line`` made at ``at``, recorded as the payments service
    records one (``Refund``/``RefundLine``, then the lifecycle)."""
    available = {item.line.pk: item for item in refundable_lines(order)}
    made = Refund.objects.create(order=order, amount=0, status=Refund.Status.REFUNDED, decided=at)
    amount = line_refund_amount(available[line.pk], quantity)
    RefundLine.objects.create(refund=made, line=line, quantity=quantity, amount=amount)
    made.amount = amount
    made.save()
    part = orders_services.RefundedPart(line, quantity, amount)
    orders_services.refund(order, [part], amount=amount, reference=f"refund-{made.pk}", at=at)


def test_the_target_is_an_administrators_and_checked(client, consumer):
    organisation = approved_org(consumer)
    buyer = UserFactory()
    services.add_member(organisation, by=consumer, contact=buyer.email, role="buyer")
    with pytest.raises(ValidationError):
        services.set_target(organisation, by=buyer, year=2026, target="1000")
    with pytest.raises(ValidationError):
        services.set_target(organisation, by=consumer, year=2026, target="-5")
    assert not ReservedShare.objects.exists()
    client.force_login(consumer)
    url = reverse("organisations:reserved-share", kwargs={"pk": organisation.pk})
    assert client.post(url, {"target": "abc"}).status_code == 200
    assert not ReservedShare.objects.exists()
    assert client.post(url, {"target": "50000"}).status_code == 302
    assert ReservedShare.objects.get().target == Decimal("50000.00")
    client.post(url, {"target": "60000.5"})
    assert ReservedShare.objects.get().target == Decimal("60000.50")


def test_progress_is_paid_less_refunds_by_month_and_county(
    client, consumer, cooperative, other_cooperative
):
    organisation = approved_org(consumer)
    services.set_target(organisation, by=consumer, year=2026, target="1000")
    carrots = make_product(cooperative, price="100.00")
    tea = make_product(other_cooperative, price="50.00")
    shanghai = ZoneInfo("Asia/Shanghai")
    bought = {"user": consumer, "organisation": organisation}
    march = paid(
        make_order([(carrots, 3)], **bought), datetime(2026, 3, 31, 23, 30, tzinfo=shanghai)
    )  # 23:30 on 31 March in Beijing: March
    refund_made(march, march.lines.get(), 1, datetime(2026, 4, 3, 9, tzinfo=shanghai))
    paid(make_order([(tea, 1)], **bought), datetime(2026, 5, 2, 10, tzinfo=shanghai))
    paid(make_order([(carrots, 1)], **bought), datetime(2025, 12, 31, 10, tzinfo=shanghai))
    make_order([(carrots, 5)], user=consumer, status="已付款")  # personal: not the organisation's
    make_order([(carrots, 3)], **bought)  # not paid

    share = selectors.reserved_share(organisation, 2026)
    assert share["paid"] == Decimal("250.00") and share["target"] == Decimal("1000.00")
    assert share["percent"] == 25 and share["left"] == Decimal("750.00")
    by_month = {m["month"]: m["revenue"] for m in share["months"] if m["revenue"]}
    assert by_month == {3: Decimal("300.00"), 4: Decimal("-100.00"), 5: Decimal("50.00")}
    assert [(r["county"], r["revenue"]) for r in share["counties"]] == [
        (cooperative.county.name, Decimal("200.00")),
        (other_cooperative.county.name, Decimal("50.00")),
    ]
    client.force_login(consumer)
    html = client.get(reverse("organisations:detail", kwargs={"pk": organisation.pk}))
    html = html.content.decode()
    assert "25%" in html and "¥250.00" in html and cooperative.county.name in html


def test_the_year_by_month_and_county_downloads_as_xlsx(client, consumer, cooperative):
    from django.utils import timezone
    from openpyxl import load_workbook

    organisation = approved_org(consumer)
    carrots = make_product(cooperative, price="100.00")
    year = timezone.localdate().year
    paid(
        make_order([(carrots, 2)], user=consumer, organisation=organisation),
        datetime(year, 1, 5, 10, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    url = reverse("organisations:reserved-share-xlsx", kwargs={"pk": organisation.pk})
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404  # members only
    client.force_login(consumer)
    response = client.get(url)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert any(cooperative.county.name in row and 200 in row for row in values)


def test_the_django_admin_shows_an_organisation_without_its_licence(client, staff, consumer):
    organisation = approved_org(consumer)
    client.force_login(staff)
    url = reverse("admin:organisations_organisation_change", args=[organisation.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert organisation.name in response.content.decode()
    assert organisation.licence.name not in response.content.decode()
