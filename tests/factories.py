"""factory_boy factories for the project's models (Oscar's own factories for the rest)."""

import itertools
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from oscar.core.loading import get_model

from cooperatives.models import Cooperative, County
from cooperatives.validators import uscc_check_char

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
ProductCategory = get_model("catalogue", "ProductCategory")
Category = get_model("catalogue", "Category")
StockRecord = get_model("partner", "StockRecord")

_serial = itertools.count(1)
PASSWORD = "pass-word-123"


def make_credit_code(region_code="150927"):
    first17 = f"93{region_code}MA0{next(_serial):05d}X"
    return first17 + uscc_check_char(first17)


class UserFactory(factory.django.DjangoModelFactory):
    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.django.Password(PASSWORD)

    class Meta:
        model = get_user_model()


class CountyFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"测试旗{n}")
    league = "乌兰察布市"
    region_code = "150927"
    beijing_district = "房山区"

    class Meta:
        model = County


class CooperativeFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"测试种植专业合作社{n}")
    county = factory.SubFactory(CountyFactory)
    credit_code = factory.LazyAttribute(lambda o: make_credit_code(o.county.region_code))
    tagline = "草原好物"
    story = "合作社的故事。"
    benefit_share = Decimal("0.1000")

    class Meta:
        model = Cooperative


class ProductClassFactory(factory.django.DjangoModelFactory):
    name = "农产品"
    requires_shipping = True
    track_stock = True

    class Meta:
        model = ProductClass
        django_get_or_create = ("name",)


class ProductFactory(factory.django.DjangoModelFactory):
    title = factory.Sequence(lambda n: f"草原胡萝卜{n}号")
    upc = factory.Sequence(lambda n: f"T{n:06d}")
    product_class = factory.SubFactory(ProductClassFactory)
    structure = "standalone"
    is_public = True
    specification = "5斤装"

    class Meta:
        model = Product


def make_product(seller=None, *, price="29.90", num_in_stock=100, categories=(), **fields):
    """A public product on sale by the cooperative ``seller`` (a stock record at its partner)."""
    seller = seller or CooperativeFactory()
    product = ProductFactory(**fields)
    for category in categories:
        ProductCategory.objects.create(product=product, category=category)
    StockRecord.objects.create(
        product=product,
        partner=seller.partner,
        partner_sku=product.upc,
        price=Decimal(price),
        price_currency="CNY",
        num_in_stock=num_in_stock,
    )
    product.refresh_from_db()
    return product


def make_family(seller=None, *, title="察右中旗草原胡萝卜", variants=(), categories=()):
    """A product sold in 规格 (an Oscar parent, no price or stock of its own) and its children,
    each ``(specification, price, num_in_stock)`` with its own price and stock."""
    seller = seller or CooperativeFactory()
    parent = ProductFactory(
        title=title,
        structure="parent",
        specification="",
        cooperative=seller,
        origin_county=seller.county,
    )
    for category in categories:
        ProductCategory.objects.create(product=parent, category=category)
    children = [
        make_product(
            seller,
            title=f"{title}（{spec}）",
            structure="child",
            parent=parent,
            product_class=None,
            specification=spec,
            price=price,
            num_in_stock=stock,
        )
        for spec, price, stock in variants
    ]
    return parent, children


def make_order(items, *, user=None, status=None, **order_fields):
    """An order for ``items`` [(product, quantity), ...] placed through Oscar's OrderCreator,
    with the site's offers applied as checkout applies them."""
    from oscar.apps.partner.strategy import Default
    from oscar.core.loading import get_class
    from oscar.test.factories import create_order

    Basket = get_model("basket", "Basket")
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    for product, quantity in items:
        basket.add_product(product, quantity)
    get_class("offer.applicator", "Applicator")().apply(basket, user)
    order = create_order(basket=basket, user=user, **order_fields)
    if status is not None:
        reach(order, status)
    return order


def reach(order, status):
    """Take a placed order to ``status`` through the lifecycle where it has a step for it
    (paid: the ledger posted; cancelled: stock released), else by Oscar's ``set_status``."""
    from orders import services, statuses

    if status in statuses.PAID_STATUSES or status == statuses.REFUNDED:
        services.mark_paid(
            order,
            amount=order.total_incl_tax,
            reference=f"test-{order.number}",
            source=("test", "Test"),
        )
        order.refresh_from_db()
    elif status == statuses.CANCELLED:
        services.cancel_unpaid(order, note="test")
        order.refresh_from_db()
    if order.status != status:
        order.set_status(status)


def saved_address(user, country, **fields):
    """The buyer's default address in their address book (a Beijing one unless told)."""
    values = {
        "is_default_for_shipping": True,
        "first_name": "王小明",
        "phone_number": "13800138000",
        "state": "北京市",
        "line4": "北京市",
        "line3": "朝阳区",
        "line1": "建国路 88 号 1 号楼 1201",
        **fields,
    }
    return get_model("address", "UserAddress").objects.create(user=user, country=country, **values)


def shipping_address(country, **fields):
    """An order's delivery address (a Beijing one in 房山区 unless told)."""
    values = {
        "first_name": "李华",
        "phone_number": "+8613812345678",
        "state": "北京市",
        "line4": "北京市",
        "line3": "房山区",
        "line1": "良乡镇拱辰大街 1 号",
        **fields,
    }
    return get_model("order", "ShippingAddress").objects.create(country=country, **values)


_household_serial = itertools.count(1)


def make_id_number(birth="19800101", region="150927"):
    from cooperatives.validators import id_check_char

    first17 = f"{region}{birth}{next(_household_serial) % 1000:03d}"
    return first17 + id_check_char(first17)


class HouseholdFactory(factory.django.DjangoModelFactory):
    number = factory.Sequence(lambda n: f"150927{n:08d}")
    head_name = factory.Sequence(lambda n: f"测试户主{n}")
    id_number = factory.LazyFunction(make_id_number)
    phone = "13800138000"
    county = factory.SubFactory(CountyFactory)
    village = "测试村"
    size = 3

    class Meta:
        model = "cooperatives.Household"


class MembershipFactory(factory.django.DjangoModelFactory):
    household = factory.SubFactory(HouseholdFactory)
    cooperative = factory.SubFactory(CooperativeFactory)
    weight = Decimal("1")

    class Meta:
        model = "cooperatives.Membership"
