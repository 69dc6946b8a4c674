"""Who reaches what: one table of role × URL → allowed / denied, and what each allowed page shows.

The store has two sides, A and B, each with its own county, cooperative (and manager), product,
member household, consumer, order, livestream host and session, and official scoped to its county
(see ``world``). Every row of ``MATRIX`` is one URL (or one write to it) and one column per role:

    OK    200                                     NO     302 to a sign-in page, 403 or 404
    OWN   200; own side's items shown, other side's absent (lists that are allowed but scoped)
    ALL   200; both sides' items shown            NONE   200; neither side's items shown
    HIDE  200; the other side's items absent      REDIR  a redirect that is not to sign in
    CHG   a write by the owner: it changes the data (so the POST used for the others is valid)
    KEPT  a write by someone else: whatever the answer, the data is unchanged
    -     not part of the matrix

"Own side" is the role's side (consumer_a, manager_a, host_a, official_a: A); staff and anonymous
have none. Writes (``Post``) are denied (NO) or KEPT, and the data they aim at is compared before
and after. Two-factor sign-in is switched off in tests, so roles sign in with ``force_login``.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from cooperatives.ledger import post_sale_shares
from cooperatives.models import CertificationRequest, HouseholdImport
from cooperatives.services import add_cooperative_manager
from impact.models import OfficialScope, PersonalDataAccess
from invoices import services as invoicing
from livestream import services as live
from livestream.models import Host, LiveSession, Pin
from orders import aftersales, statuses
from orders.payments import transfers
from organisations import batches
from organisations.models import Member, Organisation
from organisations.recipients import Recipient
from tests.factories import (
    CooperativeFactory,
    CountyFactory,
    HouseholdFactory,
    MembershipFactory,
    UserFactory,
    make_credit_code,
    make_order,
    make_product,
)

Order = get_model("order", "Order")
OrderNote = get_model("order", "OrderNote")
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
Category = get_model("catalogue", "Category")
StockRecord = get_model("partner", "StockRecord")
UserAddress = get_model("address", "UserAddress")
Country = get_model("address", "Country")
Email = get_model("communication", "Email")
WishList = get_model("wishlists", "WishList")
ProductReview = get_model("reviews", "ProductReview")
AfterSalesRequest = get_model("order", "AfterSalesRequest")

OK, NO, OWN, ALL, NONE, HIDE, REDIR, CHG, KEPT, NA = (
    "ok", "no", "own", "all", "none", "hide", "redir", "chg", "kept", "-",
)  # fmt: skip
ROLES = [
    "anonymous", "consumer_a", "consumer_b", "manager_a", "manager_b", "host_a",
    "official_a", "official_b", "staff",
]  # fmt: skip
SIDE = {"consumer_a": "a", "consumer_b": "b", "manager_a": "a", "manager_b": "b",
        "host_a": "a", "official_a": "a", "official_b": "b"}  # fmt: skip
LOGIN_PATHS = ("/accounts/login/", "/admin/login/", "/dashboard/login/")


# --- The two sides -----------------------------------------------------------------------------


@dataclass
class World:
    users: dict = field(default_factory=dict)
    a: dict = field(default_factory=dict)
    b: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


def _side(w: World, key: str, county, category, country):
    s = w.a if key == "a" else w.b
    tag = "甲" if key == "a" else "乙"
    s["county"] = county
    s["coop"] = coop = CooperativeFactory(name=f"{tag}方专业合作社", county=county)
    s["manager"] = UserFactory(email=f"manager-{key}@example.com")
    add_cooperative_manager(coop, s["manager"])
    s["product"] = make_product(
        coop, title=f"{tag}方特产", price="30.00" if key == "a" else "70.00", categories=[category]
    )
    s["household"] = HouseholdFactory(
        number=f"15092{'7' if key == 'a' else '8'}99990001",
        head_name=f"{tag}户主",
        county=county,
    )
    MembershipFactory(cooperative=coop, household=s["household"])
    s["consumer"] = UserFactory(email=f"consumer-{key}@example.com")
    s["address"] = UserAddress.objects.create(
        user=s["consumer"], first_name=f"{tag}收件人", line1=f"{tag}方街道 1 号",
        line4="北京市", state="北京市", phone_number="+8613800138000", country=country,
    )  # fmt: skip
    s["order"] = make_order([(s["product"], 1)], user=s["consumer"], status=statuses.PAID)
    post_sale_shares(s["order"])
    s["line"] = s["order"].lines.get()
    s["email"] = Email.objects.create(
        user=s["consumer"], email=s["consumer"].email, subject=f"{tag}方邮件", body_text="…"
    )
    s["wishlist"] = WishList.objects.create(owner=s["consumer"], name=f"{tag}方心愿单")
    s["host"] = UserFactory(email=f"host-{key}@example.com")
    Host.objects.create(user=s["host"]).cooperatives.add(coop)
    start = timezone.now() - timedelta(minutes=5)
    s["session"] = live.save_session(
        LiveSession(
            title=f"{tag}方直播间", cooperative=coop, scheduled_start=start,
            scheduled_end=start + timedelta(hours=1),
            stream_url="https://live.jingmeng.example/x.m3u8",
        ),
        user=s["host"],
    )  # fmt: skip
    s["spare"] = make_product(coop, title=f"{tag}方下架品", categories=[category])
    s["item"] = live.add_item(s["session"], s["product"])
    live.go_live(s["session"])
    s["official"] = UserFactory(email=f"official-{key}@example.com")
    s["official"].groups.add(Group.objects.get_or_create(name="帮扶干部")[0])
    s["official"].user_permissions.add(
        Permission.objects.get(codename="view_household_personal_data")
    )
    OfficialScope.objects.create(user=s["official"], kind="counties").counties.set([county])
    s["cert"] = CertificationRequest.objects.create(
        product=s["product"], number=f"{tag}-001", valid_until=date(2099, 1, 1),
        document="certificates/none.pdf", requested_by=s["manager"],
    )  # fmt: skip
    s["review"] = ProductReview.objects.create(
        product=s["product"], user=s["consumer"], score=4, title=f"{tag}方评价", body="好吃"
    )  # waiting for moderation by staff or this side's manager


def build_world() -> World:
    w = World()
    country = Country.objects.update_or_create(
        iso_3166_1_a2="CN",
        defaults={"iso_3166_1_a3": "CHN", "iso_3166_1_numeric": "156", "printable_name": "中国",
                  "name": "中华人民共和国", "is_shipping_country": True},
    )[0]  # fmt: skip
    category = Category.add_root(name="矩阵测试")
    county_a = CountyFactory(name="甲旗", league="乌兰察布市", beijing_district="房山区")
    county_b = CountyFactory(name="乙旗", league="通辽市", beijing_district="通州区")
    _side(w, "a", county_a, category, country)
    _side(w, "b", county_b, category, country)
    # Consumer A also bought from both cooperatives at once: each manager sees only their line.
    w.extra["mixed"] = make_order(
        [(w.a["product"], 1), (w.b["product"], 1)], user=w.a["consumer"], status=statuses.PAID
    )
    post_sale_shares(w.extra["mixed"])
    w.extra["mixed_line_b"] = w.extra["mixed"].lines.get(product=w.b["product"])
    # Consumer A asks each cooperative for a refund of its line of that order (售后).
    for side, tag in ((w.a, "甲"), (w.b, "乙")):
        [side["after_sales"]] = aftersales.request(
            w.extra["mixed"], kind="refund", reason="damaged", description=f"{tag}方售后说明",
            quantities={w.extra["mixed"].lines.get(product=side["product"]): 1},
            user=w.a["consumer"],
        )  # fmt: skip
    # A county-B household that sells to cooperative A: still county B's personal data.
    w.extra["cross"] = HouseholdFactory(
        number="150928" + "99990002", head_name="乙跨社户", county=county_b
    )
    MembershipFactory(cooperative=w.a["coop"], household=w.extra["cross"])
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    w.extra["import_job"] = HouseholdImport.objects.create(
        user=staff, filename="x.csv", stored_as="x"
    )
    _organisation_b(w)
    w.users = {
        "anonymous": None, "consumer_a": w.a["consumer"], "consumer_b": w.b["consumer"],
        "manager_a": w.a["manager"], "manager_b": w.b["manager"], "host_a": w.a["host"],
        "official_a": w.a["official"], "official_b": w.b["official"], "staff": staff,
    }  # fmt: skip
    return w


def _organisation_b(w: World) -> None:
    """Consumer B is the administrator of an approved organisation (乙方工会) with a gift batch
    waiting for its bank transfer; each side's consumer asked for an invoice on their order."""
    org = Organisation.objects.create(
        name="乙方工会", kind=Organisation.Kind.UNION, credit_code=make_credit_code("110112"),
        district="通州区", contact_name="乙联系人", contact_phone="13900000002",
        licence="organisations/licences/none.png", status=Organisation.Status.APPROVED,
        applied_by=w.b["consumer"],
    )  # fmt: skip
    Member.objects.create(organisation=org, user=w.b["consumer"], role=Member.Role.ADMIN)
    w.b["organisation"] = org
    w.b["batch"] = batches.create_batch(
        organisation=org, user=w.b["consumer"], title="乙方年货",
        gifts=[batches.Gift(w.b["product"], 1)],
        recipients=[Recipient(line=2, name="乙收礼人", mobile="13900000003", province="北京市",
                              city="北京市", district="通州区", detail="乙方礼品街 1 号")],
    )  # fmt: skip
    transfers.instruction_for_batch(w.b["batch"], user=w.b["consumer"])
    for side, tag in ((w.a, "甲"), (w.b, "乙")):
        side["invoice_request"] = invoicing.request_invoices(
            user=side["consumer"], order=side["order"],
            details=invoicing.Details(kind="ordinary", title_type="person", title=f"{tag}方发票抬头",
                                      tax_number="", email=side["consumer"].email),
        )  # fmt: skip


def invoice_titles(w):
    return [w.a["invoice_request"].title], [w.b["invoice_request"].title]


def members_of_b(w):
    return Member.objects.filter(organisation=w.b["organisation"]).count()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at its end; each test
    runs in a savepoint of its own, so a write in one row is gone before the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


# --- How a row is requested and checked --------------------------------------------------------


@dataclass
class Get:
    name: str
    kwargs: Callable[[World], dict] = lambda w: {}
    query: str = ""
    markers: Callable[[World], tuple[list, list]] | None = None  # (side A's, side B's) strings
    label: str = ""

    method = "get"

    def url(self, w):
        return reverse(self.name, kwargs=self.kwargs(w)) + self.query

    def __str__(self):
        return self.label or self.name


@dataclass
class Post(Get):
    data: Callable[[World], dict] = lambda w: {}
    state: Callable[[World], Any] = lambda w: None  # what the write would change

    method = "post"

    def __str__(self):
        return "POST " + (self.label or self.name)


def products(w):
    return [w.a["product"].title], [w.b["product"].title]


def order_numbers(w):
    return [w.a["order"].number], [w.b["order"].number]


def cooperatives(w):
    return [w.a["coop"].name], [w.b["coop"].name]


def households(w):
    return [w.a["household"].number], [w.b["household"].number]


def sessions(w):
    return [w.a["session"].title], [w.b["session"].title]


def reviews(w):
    return [w.a["review"].title], [w.b["review"].title]


def review_b_status(w):
    return ProductReview.objects.get(pk=w.b["review"].pk).status


def addresses(w):
    return [w.a["address"].line1], [w.b["address"].line1]


def revenue(w):
    """The order statistics: A's lines 30 + 30, B's 70 + 70; the mixed order is worth 100."""
    return ["60.00"], ["140.00"]


def of(side, key, arg="pk", attr="pk"):
    return lambda w: {arg: getattr(getattr(w, side)[key], attr)}


def order_b(arg="number"):
    return lambda w: {arg: w.b["order"].number}


def product_form(w):
    product, record = w.b["product"], w.b["product"].stockrecords.get()
    pc = ProductCategory.objects.get(product=product)
    formsets = {f"{p}-{k}": v for p in ("images", "primary_recommendations")
                for k, v in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))}  # fmt: skip
    formsets |= {f"{p}-{k}": v for p in ("stockrecords", "productcategory_set")
                 for k, v in (("MIN_NUM_FORMS", "0"), ("MAX_NUM_FORMS", "1000"))}  # fmt: skip
    formsets |= {f"{p}-{k}": v for p in ("images", "primary_recommendations")
                 for k, v in (("MIN_NUM_FORMS", "0"), ("MAX_NUM_FORMS", "1000"))}  # fmt: skip
    return {
        "title": "被改掉的商品", "upc": product.upc, "is_public": "on", "structure": "standalone",
        "slug": product.slug, "specification": "10斤装", "description": product.description,
        "harvest_season": "9月", "storage": "冷藏",
        "stockrecords-TOTAL_FORMS": "1", "stockrecords-INITIAL_FORMS": "1",
        "stockrecords-0-id": str(record.pk), "stockrecords-0-partner": str(record.partner_id),
        "stockrecords-0-partner_sku": record.partner_sku, "stockrecords-0-price_currency": "CNY",
        "stockrecords-0-price": "1.00", "stockrecords-0-num_in_stock": "99",
        "productcategory_set-TOTAL_FORMS": "1", "productcategory_set-INITIAL_FORMS": "1",
        "productcategory_set-0-id": str(pc.pk), "productcategory_set-0-category": str(pc.category_id),
        **formsets,
    }  # fmt: skip


def product_b_state(w):
    return list(
        Product.objects.filter(pk=w.b["product"].pk).values_list("title", "is_public")
    ) + list(
        StockRecord.objects.filter(product_id=w.b["product"].pk).values_list(
            "price", "num_in_stock"
        )
    )


def session_form(w):
    s = w.b["session"]
    fmt = "%Y-%m-%dT%H:%M"
    return {
        "title": "被改掉的直播", "cooperative": str(s.cooperative_id),
        "scheduled_start": timezone.localtime(s.scheduled_start).strftime(fmt),
        "scheduled_end": timezone.localtime(s.scheduled_end).strftime(fmt),
        "stream_url": s.stream_url,
    }  # fmt: skip


def new_session_for_b(w):
    data = session_form(w)
    return {**data, "title": "冒名的直播"}


def order_b_writes(w):
    order = w.b["order"]
    return (
        order.parcels.count(),
        order.refunds.count(),
        OrderNote.objects.filter(order=order).count(),
    )


def order_b_address(w):
    address = Order.objects.select_related("shipping_address").get(pk=w.b["order"].pk)
    address = address.shipping_address
    return address and (address.first_name, str(address.phone_number), address.line1)


# fmt: off
# Columns:                                      anon  cons_a cons_b mgr_a  mgr_b  host_a off_a  off_b  staff
MATRIX = [
    # Customer accounts (Oscar's, scoped to request.user), order tracking and payment pages.
    (Get("customer:order-list", markers=order_numbers),
                                                 [NO,   OWN,   OWN,   NONE,  NONE,  NONE,  NONE,  NONE,  NONE]),
    (Get("customer:order", order_b("order_number"), label="customer:order(B's order + impact receipt)"),
                                                 [NO,   NO,    OK,    NO,    NO,    NO,    NO,    NO,    NO]),
    # The owner's own line opens the order (Oscar's line URL has no page of its own).
    (Get("customer:order-line", lambda w: {"order_number": w.b["order"].number, "line_id": w.b["line"].pk}),
                                                 [NO,   NO,    REDIR, NO,    NO,    NO,    NO,    NO,    NO]),
    (Get("customer:address-list", markers=addresses),
                                                 [NO,   OWN,   OWN,   NONE,  NONE,  NONE,  NONE,  NONE,  NONE]),
    (Get("customer:address-detail", of("b", "address"), label="customer:address-detail(B's)"),
                                                 [NO,   NO,    OK,    NO,    NO,    NO,    NO,    NO,    NO]),
    (Post("customer:address-delete", of("b", "address"), label="customer:address-delete(B's)",
          state=lambda w: UserAddress.objects.filter(pk=w.b["address"].pk).exists()),
                                                 [NO,   NO,    CHG,   NO,    NO,    NO,    NO,    NO,    NO]),
    (Get("customer:email-detail", of("b", "email", "email_id")),
                                                 [NO,   NO,    OK,    NO,    NO,    NO,    NO,    NO,    NO]),
    (Get("customer:wishlists-detail", of("b", "wishlist", "key", "key")),
                                                 [NO,   NO,    OK,    NO,    NO,    NO,    NO,    NO,    NO]),
    (Get("wishlists:detail", of("b", "wishlist", "key", "key"), label="wishlists:detail(private)"),
                                                 [NO,   NO,    OK,    NO,    NO,    NO,    NO,    NO,    NO]),
    (Get("tracking:order", order_b()),           [NO,   NO,    OK,    NO,    NO,    NO,    NO,    NO,    NO]),
    (Post("tracking:received", order_b(), state=lambda w: Order.objects.get(pk=w.b["order"].pk).status),
                                                 [NO,   NO,    NA,    NO,    NO,    NO,    NO,    NO,    NO]),
    (Post("tracking:cancel", order_b(), state=lambda w: Order.objects.get(pk=w.b["order"].pk).status),
                                                 [NO,   NO,    NA,    NO,    NO,    NO,    NO,    NO,    NO]),
    (Get("tracking:after-sales", order_b()),     [NO,   NO,    OK,    NO,    NO,    NO,    NO,    NO,    NO]),
    (Post("tracking:after-sales", order_b(),
          data=lambda w: {"reason": "damaged", "description": "坏了"},
          state=lambda w: w.b["order"].after_sales_requests.count()),
                                                 [NO,   NO,    NA,    NO,    NO,    NO,    NO,    NO,    NO]),
    (Get("payments:pay", order_b()),             [NO,   NO,    REDIR, NO,    NO,    NO,    NO,    NO,    NO]),
    (Get("payments:done", order_b()),            [NO,   NO,    OK,    NO,    NO,    NO,    NO,    NO,    NO]),
    (Get("payments:status", order_b()),          [NO,   NO,    OK,    NO,    NO,    NO,    NO,    NO,    NO]),
    (Post("payments:confirm", order_b(), state=lambda w: w.b["order"].intents.count()),
                                                 [NO,   NO,    NA,    NO,    NO,    NO,    NO,    NO,    NO]),
    (Get("payments:summary", order_b()),         [NO,   NO,    OK,    NO,    NO,    NO,    NO,    NO,    NO]),
    # B's order is paid: its address is no longer changed, even by B.
    (Post("payments:address", order_b(),
          data=lambda w: {"address-first_name": "改", "address-phone_number": "13912345678",
                          "address-line1": "改"},
          state=order_b_address),
                                                 [NO,   NO,    KEPT,  NO,    NO,    NO,    NO,    NO,    NO]),

    # Oscar's dashboard: managers reach their cooperative's products and orders (their lines).
    (Get("dashboard:index"),                     [NO,   NO,    NO,    REDIR, REDIR, NO,    NO,    NO,    OK]),
    (Get("dashboard:catalogue-product-list", markers=products),
                                                 [NO,   NO,    NO,    OWN,   OWN,   NO,    NO,    NO,    ALL]),
    (Get("dashboard:catalogue-product", of("b", "product"), label="dashboard:catalogue-product(B's)"),
                                                 [NO,   NO,    NO,    NO,    OK,    NO,    NO,    NO,    OK]),
    (Post("dashboard:catalogue-product", of("b", "product"), data=product_form, state=product_b_state,
          label="dashboard:catalogue-product(B's product and stock)"),
                                                 [NO,   NO,    NO,    NO,    CHG,   NO,    NO,    NO,    CHG]),
    (Post("dashboard:catalogue-product-delete", of("b", "spare"), label="dashboard:catalogue-product-delete(B's)",
          state=lambda w: Product.objects.filter(pk=w.b["spare"].pk).exists()),
                                                 [NO,   NO,    NO,    NO,    CHG,   NO,    NO,    NO,    CHG]),
    (Post("dashboard:catalogue-product-list", state=product_b_state, label="bulk make-non-public(B's)",
          data=lambda w: {"action": "make_products_non_public", "selected_product": [w.b["product"].pk]}),
                                                 [NO,   NO,    NO,    KEPT,  NA,    NO,    NO,    NO,    NA]),
    (Get("dashboard:stock-alert-list"),          [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("dashboard:order-list", markers=order_numbers),
                                                 [NO,   NO,    NO,    OWN,   OWN,   NO,    NO,    NO,    ALL]),
    (Get("dashboard:order-stats", markers=revenue),
                                                 [NO,   NO,    NO,    OWN,   OWN,   NO,    NO,    NO,    OK]),
    (Get("dashboard:order-detail", order_b(), label="dashboard:order-detail(B only)"),
                                                 [NO,   NO,    NO,    NO,    OK,    NO,    NO,    NO,    OK]),
    (Get("dashboard:order-detail", lambda w: {"number": w.extra["mixed"].number}, markers=products,
         label="dashboard:order-detail(A+B lines)"),
                                                 [NO,   NO,    NO,    OWN,   OWN,   NO,    NO,    NO,    ALL]),
    (Get("dashboard:order-line-detail",
         lambda w: {"number": w.extra["mixed"].number, "line_id": w.extra["mixed_line_b"].pk},
         label="dashboard:order-line-detail(B's line of A+B)"),
                                                 [NO,   NO,    NO,    NO,    OK,    NO,    NO,    NO,    OK]),
    (Get("dashboard:order-shipping-address", order_b()),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    NA]),
    (Post("dashboard:order-ship", order_b(), state=order_b_writes,
          data=lambda w: {"line": [w.b["line"].pk], "carrier": "SF", "tracking_number": "SF123456789012"}),
                                                 [NO,   NO,    NO,    NO,    CHG,   NO,    NO,    NO,    CHG]),
    (Post("dashboard:order-refund-request", order_b(), state=order_b_writes,
          data=lambda w: {f"refund_qty_{w.b['line'].pk}": "1", "reason": "坏了"}),
                                                 [NO,   NO,    NO,    NO,    CHG,   NO,    NO,    NO,    CHG]),
    (Get("dashboard:order-after-sales",
         markers=lambda w: ([w.a["after_sales"].description], [w.b["after_sales"].description])),
                                                 [NO,   NO,    NO,    OWN,   OWN,   NO,    NO,    NO,    ALL]),
    (Post("dashboard:order-after-sales-action", lambda w: {"pk": w.b["after_sales"].pk},
          label="dashboard:order-after-sales-action(B's)",
          data=lambda w: {"action": "refuse", "reason": "不同意"},
          state=lambda w: AfterSalesRequest.objects.get(pk=w.b["after_sales"].pk).status),
                                                 [NO,   NO,    NO,    NO,    CHG,   NO,    NO,    NO,    CHG]),
    (Post("dashboard:order-detail", order_b(), state=order_b_writes, label="dashboard:order-detail note",
          data=lambda w: {"order_action": "save_note", "message": "备注"}),
                                                 [NO,   NO,    NO,    NO,    CHG,   NO,    NO,    NO,    CHG]),
    (Get("dashboard:users-index"),               [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("dashboard:user-detail", lambda w: {"pk": w.b["consumer"].pk}),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("dashboard:partner-list"),              [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("dashboard:partner-manage", lambda w: {"pk": w.b["coop"].partner_id}),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("dashboard:offer-list"),                [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("dashboard:voucher-list"),              [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("dashboard:range-list"),                [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("dashboard:page-list"),                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("dashboard:reports-index"),             [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("dashboard:reviews-list", markers=reviews),
                                                 [NO,   NO,    NO,    OWN,   OWN,   NO,    NO,    NO,    ALL]),
    (Get("dashboard:reviews-update", of("b", "review")),
                                                 [NO,   NO,    NO,    NO,    OK,    NO,    NO,    NO,    OK]),
    (Post("dashboard:reviews-update", of("b", "review"), state=review_b_status,
          data=lambda w: {"status": ProductReview.APPROVED, "title": "好", "body": "好", "score": 5}),
                                                 [NO,   NO,    NO,    NO,    CHG,   NO,    NO,    NO,    CHG]),
    (Post("dashboard:reviews-list", state=review_b_status, label="dashboard:reviews-list approve",
          data=lambda w: {"action": "update_selected_review_status", "status": ProductReview.APPROVED,
                          "selected_review": [w.b["review"].pk]}),
                                                 [NO,   NO,    NO,    KEPT,  CHG,   NO,    NO,    NO,    CHG]),
    (Get("dashboard:reviews-delete", of("b", "review")),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),

    # The project's dashboard: cooperatives, households, sales, fulfilment, certification.
    (Get("dashboard:cooperative-list", markers=cooperatives),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    ALL]),
    (Post("dashboard:cooperative-update", of("b", "coop"), data=lambda w: {"name": "改名"},
          state=lambda w: type(w.b["coop"]).objects.get(pk=w.b["coop"].pk).name),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    NA]),
    (Get("dashboard:cooperative-profile", markers=cooperatives),
                                                 [NO,   NO,    NO,    OWN,   OWN,   NO,    NO,    NO,    HIDE]),
    (Get("dashboard:cooperative-profile", query="?cooperative={b_coop}", label="cooperative-profile?cooperative=B"),
                                                 [NO,   NO,    NO,    NO,    OK,    NO,    NO,    NO,    OK]),
    (Post("dashboard:cooperative-profile", query="?cooperative={b_coop}", label="cooperative-profile?cooperative=B",
          data=lambda w: {"tagline": "改掉", "story": "改掉", "village": "", "contact_phone": ""},
          state=lambda w: type(w.b["coop"]).objects.values_list("tagline", "story").get(pk=w.b["coop"].pk)),
                                                 [NO,   NO,    NO,    NO,    CHG,   NO,    NO,    NO,    CHG]),
    (Get("dashboard:cooperative-sales", markers=products),
                                                 [NO,   NO,    NO,    OWN,   OWN,   NO,    NO,    NO,    ALL]),
    (Get("dashboard:cooperative-sales", query="?cooperative={b_coop}", markers=products,
         label="cooperative-sales?cooperative=B"),
                                                 [NO,   NO,    NO,    NONE,  OWN,   NO,    NO,    NO,    HIDE]),
    (Get("dashboard:household-list", markers=households),
                                                 [NO,   NO,    NO,    OWN,   OWN,   NO,    NO,    NO,    ALL]),
    (Get("dashboard:household-import"),          [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("dashboard:household-import-job", lambda w: {"pk": w.extra["import_job"].pk}),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("dashboard:fulfilment", markers=order_numbers),
                                                 [NO,   NO,    NO,    OWN,   OWN,   NO,    NO,    NO,    ALL]),
    (Get("dashboard:fulfilment", query="?cooperative={b_coop}", markers=order_numbers,
         label="fulfilment?cooperative=B"),
                                                 [NO,   NO,    NO,    HIDE,  OWN,   NO,    NO,    NO,    HIDE]),
    (Get("dashboard:fulfilment", query="?cooperative={b_coop}&format=csv", markers=order_numbers,
         label="fulfilment.csv?cooperative=B"),
                                                 [NO,   NO,    NO,    HIDE,  OWN,   NO,    NO,    NO,    HIDE]),
    (Get("dashboard:packing-list", query="?cooperative={b_coop}", markers=order_numbers,
         label="packing-list?cooperative=B"),
                                                 [NO,   NO,    NO,    HIDE,  OWN,   NO,    NO,    NO,    HIDE]),
    # Staff ship one cooperative at a time (chosen in the filter); a manager of one has no choice.
    (Post("dashboard:fulfilment", query="?cooperative={b_coop}", state=order_b_writes,
          label="dashboard:fulfilment ship B's order",
          data=lambda w: {"order": [w.b["order"].number], "carrier": "SF",
                          f"tracking-{w.b['order'].number}": "SF123456789012"}),
                                                 [NO,   NO,    NO,    KEPT,  CHG,   NO,    NO,    NO,    CHG]),
    (Post("dashboard:shipping-labels", markers=order_numbers, label="dashboard:shipping-labels A+B",
          data=lambda w: {"order": [w.a["order"].number, w.b["order"].number]}),
                                                 [NO,   NO,    NO,    OWN,   OWN,   NO,    NO,    NO,    ALL]),
    (Get("dashboard:shipping-import"),           [NO,   NO,    NO,    OK,    OK,    NO,    NO,    NO,    OK]),
    (Get("dashboard:certification-review", markers=lambda w: ([w.a["cert"].number], [w.b["cert"].number])),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    ALL]),
    (Get("dashboard:certification-document", of("b", "cert")),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    NA]),

    # Officials' impact pages: only the counties in scope, in pages and exports.
    (Get("impact:index", markers=cooperatives),  [NO,   NO,    NO,    NO,    NO,    NO,    OWN,   OWN,   ALL]),
    (Get("impact:export-csv", query="?by=cooperative", markers=cooperatives),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    OWN,   OWN,   ALL]),
    (Get("impact:export-xlsx", query="?by=county", markers=lambda w: (["甲旗"], ["乙旗"])),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    OWN,   OWN,   ALL]),
    # The buyer's side: the buyers of the sales in the official's counties (a Beijing district's
    # official: their district's purchases from any county, tests/impact/test_buyers.py).
    (Get("impact:export-xlsx", query="?side=buyer&by=cross", markers=lambda w: (["甲旗"], ["乙旗"]),
         label="impact:export-xlsx(buyer district × county)"),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    OWN,   OWN,   ALL]),
    (Get("impact:cooperative", of("b", "coop", "slug", "slug"), label="impact:cooperative(B)"),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    OK,    OK]),
    (Get("impact:cooperative", of("a", "coop", "slug", "slug"), label="impact:cooperative(A, a B member)",
         markers=lambda w: ([w.a["household"].number], [w.extra["cross"].number])),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    OWN,   NO,    ALL]),
    (Get("impact:household", of("b", "household"), label="impact:household(B)"),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    OK,    OK]),
    (Post("impact:household", of("b", "household"), data=lambda w: {"purpose": "核对收益"},
          state=lambda w: PersonalDataAccess.objects.filter(household=w.b["household"]).count(),
          label="impact:household(B) reveal"),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    CHG,   CHG]),

    # Livestream host tools: a host reaches their own sessions only.
    (Get("livestream:host-list", markers=sessions),
                                                 [NO,   NO,    NO,    NO,    NO,    OWN,   NO,    NO,    ALL]),
    (Get("livestream:host-session", of("b", "session"), label="livestream:host-session(B's)"),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("livestream:host-edit", of("b", "session"), label="livestream:host-edit(B's)"),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("livestream:stats", of("b", "session"), label="livestream:stats(B's)"),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("livestream:stats-json", of("b", "session"), label="livestream:stats-json(B's)"),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Post("livestream:host-session", of("b", "session"), label="livestream:host-session(B's) pin",
          data=lambda w: {"action": "pin", "item": w.b["item"].pk},
          state=lambda w: Pin.objects.filter(session=w.b["session"]).count()),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    CHG]),
    (Post("livestream:host-edit", of("b", "session"), label="livestream:host-edit(B's)", data=session_form,
          state=lambda w: LiveSession.objects.get(pk=w.b["session"].pk).title),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    CHG]),
    (Post("livestream:host-create", label="livestream:host-create(for coop B)", data=new_session_for_b,
          state=lambda w: LiveSession.objects.filter(title="冒名的直播").exists()),
                                                 [NO,   NO,    NO,    NO,    NO,    KEPT,  NO,    NO,    CHG]),

    # Organisation buyers (consumer B administers 乙方工会): members only, staff in the dashboard.
    (Get("organisations:detail", of("b", "organisation"), label="organisations:detail(B's)"),
                                                 [NO,   NO,    OK,    NO,    NO,    NO,    NO,    NO,    NO]),
    (Get("organisations:members", of("b", "organisation"), label="organisations:members(B's)"),
                                                 [NO,   NO,    OK,    NO,    NO,    NO,    NO,    NO,    NO]),
    (Get("organisations:orders", of("b", "organisation"), label="organisations:orders(B's)"),
                                                 [NO,   NO,    OK,    NO,    NO,    NO,    NO,    NO,    NO]),
    (Get("organisations:licence", of("b", "organisation"), label="organisations:licence(B's)"),
                                                 [NO,   NO,    NA,    NO,    NO,    NO,    NO,    NO,    NA]),
    (Post("organisations:members", of("b", "organisation"), label="organisations:members(B's) add",
          data=lambda w: {"action": "add", "contact": w.a["manager"].email, "role": "admin"},
          state=members_of_b),
                                                 [NO,   KEPT,  CHG,   KEPT,  KEPT,  KEPT,  KEPT,  KEPT,  KEPT]),
    (Get("organisations:batch-list", of("b", "organisation"), label="organisations:batch-list(B's)"),
                                                 [NO,   NO,    OK,    NO,    NO,    NO,    NO,    NO,    NO]),
    (Get("organisations:batch-detail", of("b", "batch", "reference", "reference"),
         label="organisations:batch-detail(B's)"),
                                                 [NO,   NO,    OK,    NO,    NO,    NO,    NO,    NO,    NO]),
    (Get("payments:transfer-batch", of("b", "batch", "reference", "reference"),
         label="payments:transfer-batch(B's)"),
                                                 [NO,   NO,    OK,    NO,    NO,    NO,    NO,    NO,    NO]),
    (Get("certificates:organisation", lambda w: {"pk": w.b["organisation"].pk, "year": timezone.localdate().year},
         label="certificates:organisation(B's)"),
                                                 [NO,   NO,    OK,    NO,    NO,    NO,    NO,    NO,    NO]),
    (Get("dashboard:organisation-list", markers=lambda w: ([], [w.b["organisation"].name])),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("dashboard:organisation-detail", of("b", "organisation"), label="dashboard:organisation-detail(B's)"),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("dashboard:transfer-list"),             [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("dashboard:transfer-import"),           [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),

    # Invoices: the buyer's request; a manager's queue holds their cooperative's invoices only.
    (Get("invoices:request-detail", of("b", "invoice_request"), label="invoices:request-detail(B's)"),
                                                 [NO,   NO,    OK,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("invoices:ask-order", order_b(), label="invoices:ask-order(B's order)"),
                                                 [NO,   NO,    OK,    NO,    NO,    NO,    NO,    NO,    NA]),
    (Get("dashboard:invoice-list", query="?status=all", markers=invoice_titles),
                                                 [NO,   NO,    NO,    OWN,   OWN,   NO,    NO,    NO,    ALL]),

    # Django's admin: staff only.
    (Get("admin:index"),                         [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
    (Get("admin:cooperatives_cooperative_changelist", markers=cooperatives),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    ALL]),
    (Get("admin:cooperatives_cooperative_change", lambda w: {"object_id": w.b["coop"].pk}),
                                                 [NO,   NO,    NO,    NO,    NO,    NO,    NO,    NO,    OK]),
]
# fmt: on

CASES = [
    pytest.param(target, role, expected, id=f"{target}-{role}-{expected}")
    for target, row in MATRIX
    for role, expected in zip(ROLES, row, strict=True)
    if expected != NA
]


def _text(response) -> str:
    content_type = response.get("Content-Type", "")
    if "spreadsheetml" in content_type:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8-sig", "replace")
    return response.content.decode("utf-8-sig", "replace")


def _is_denied(response) -> bool:
    if response.status_code in (403, 404):
        return True
    location = response.get("Location", "")
    return response.status_code == 302 and location.startswith(LOGIN_PATHS)


@pytest.mark.django_db
@pytest.mark.parametrize(("target", "role", "expected"), CASES)
def test_permission_matrix(client, world, target, role, expected):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    url = target.url(world).format(b_coop=world.b["coop"].pk)
    before = target.state(world) if isinstance(target, Post) else None
    is_write = isinstance(target, Post)
    response = client.post(url, target.data(world)) if is_write else client.get(url)

    if isinstance(target, Post):
        after = target.state(world)
        if expected == CHG:
            assert after != before, (
                f"{role}'s POST to {url} changed nothing: the row proves nothing"
            )
            return
        assert after == before, f"{role}'s POST to {url} changed {before!r} to {after!r}"
        if expected == KEPT:
            return
    if expected == NO:
        assert _is_denied(response), (
            f"{role} reached {url}: {response.status_code} {response.get('Location', '')}"
        )
        return
    if expected == REDIR:
        assert response.status_code == 302 and not _is_denied(response)
        return
    assert response.status_code == 200, f"{role} at {url}: {response.status_code}"
    if target.markers is None:
        return
    text = _text(response)
    a, b = ([str(m) for m in side] for side in target.markers(world))
    own, other = (a, b) if SIDE.get(role) == "a" else (b, a)
    if expected == OWN:
        for marker in own:
            assert marker in text, f"{role} should see {marker!r} at {url}"
    if expected in (OWN, HIDE):
        for marker in other:
            assert marker not in text, f"{role} sees the other side's {marker!r} at {url}"
    if expected == ALL:
        for marker in a + b:
            assert marker in text, f"{role} should see {marker!r} at {url}"
    if expected == NONE:
        for marker in a + b:
            assert marker not in text, f"{role} sees {marker!r} at {url}"


def test_matrix_covers_every_role_of_every_row():
    assert all(len(row) == len(ROLES) for _target, row in MATRIX)
    assert len(CASES) > 500
