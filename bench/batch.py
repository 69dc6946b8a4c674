"""Benchmark: a 2,000-recipient gift sheet checked and turned into a purchase batch of orders.

    .venv/bin/python bench/batch.py [--recipients 2000] [--reference-orders 200]

On SQLite by default (a fresh file, var/bench/batch.sqlite3, migrated); on PostgreSQL when
DATABASE_URL is set (that database is migrated and used as it is). It makes what a batch needs
(a cooperative with two products in stock, an approved organisation and its 采购员), writes a
recipients sheet as XLSX, then measures:

1. validation: ``organisations.recipients.read`` of the XLSX (read within the sheet bounds, every
   row checked against the division list);
2. creation: ``organisations.batches.create_batch``, 2 products per recipient, one transaction,
   committed, with each order's after-commit task (Celery eager without a broker, as the demo);
3. the reference, in the same run: ``--reference-orders`` single orders placed the usual way
   (a basket, Oscar's ``OrderCreator`` through the lifecycle's placement, as ``load_demo``'s
   ``place``), timed and extrapolated to the batch's size; the ratio says how much faster the
   batch is than placing its orders one by one.

Times are wall-clock (best of one: the runs write rows); the peak memory of validation and of
creation is measured in separate runs under tracemalloc (which slows Python down, so not while
timing); ru_maxrss is the process's peak. Prints the figures and writes var/bench/batch.json.
"""

import argparse
import io
import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SQLITE_FILE = ROOT / "var" / "bench" / "batch.sqlite3"


def setup_django():
    if not os.environ.get("DATABASE_URL"):
        SQLITE_FILE.parent.mkdir(parents=True, exist_ok=True)
        SQLITE_FILE.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_FILE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def sheet_xlsx(count: int) -> bytes:
    from openpyxl import Workbook

    from organisations.recipients import TEMPLATE_HEADER

    places = [
        ("北京市", "北京市", "房山区"), ("北京市", "北京市", "朝阳区"),
        ("北京市", "北京市", "海淀区"),
        ("内蒙古自治区", "乌兰察布市", "察哈尔右翼中旗"), ("河北省", "张家口市", "桥西区"),
    ]  # fmt: skip
    book = Workbook(write_only=True)
    sheet = book.create_sheet("收货人名单")
    sheet.append(TEMPLATE_HEADER)
    for n in range(count):
        province, city, district = places[n % len(places)]
        sheet.append([f"测试{n:05d}", f"1390{n:07d}", province, city, district,
                      f"幸福路{n % 300 + 1}号院{n % 12 + 1}号楼{n % 30 + 101}室"])  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def fixtures():
    """A cooperative with two products in stock, an approved organisation and its buyer."""
    import uuid
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from oscar.core.loading import get_model

    from cooperatives.models import Cooperative, County
    from cooperatives.validators import uscc_check_char
    from organisations.models import Member, Organisation

    Product = get_model("catalogue", "Product")
    ProductClass = get_model("catalogue", "ProductClass")
    StockRecord = get_model("partner", "StockRecord")
    tag = uuid.uuid4().hex[:8]

    def code(region):
        first17 = f"93{region}MA0{int(tag, 16) % 10**5:05d}X"
        return first17 + uscc_check_char(first17)

    county, _created = County.objects.get_or_create(
        name="基准旗", defaults={"league": "乌兰察布市", "region_code": "150927",
                                "beijing_district": "房山区"},
    )  # fmt: skip
    coop = Cooperative.objects.create(
        name=f"基准合作社{tag}", county=county, credit_code=code("150927"), tagline="基准",
        story="基准", benefit_share=Decimal("0.1000"),
    )  # fmt: skip
    kind, _created = ProductClass.objects.get_or_create(
        name="农产品", defaults={"requires_shipping": True, "track_stock": True}
    )
    products = []
    for n, price in enumerate(("39.90", "68.00")):
        product = Product.objects.create(
            title=f"基准礼品{n}-{tag}", upc=f"B{tag}{n}", product_class=kind, is_public=True,
            structure="standalone",
        )  # fmt: skip
        StockRecord.objects.create(
            product=product, partner=coop.partner, partner_sku=product.upc,
            price=Decimal(price), price_currency="CNY", num_in_stock=10**7,
        )  # fmt: skip
        products.append(product)
    User = get_user_model()
    applicant = User.objects.create_user(f"bench-apply-{tag}", f"apply-{tag}@example.com")
    buyer = User.objects.create_user(f"bench-buyer-{tag}", f"buyer-{tag}@example.com")
    organisation = Organisation.objects.create(
        name=f"基准工会{tag}", kind=Organisation.Kind.UNION, credit_code=code("110111"),
        district="房山区", contact_name="基准", contact_phone="13900000000",
        licence="organisations/licences/bench.png", status=Organisation.Status.APPROVED,
        applied_by=applicant,
    )  # fmt: skip
    Member.objects.create(organisation=organisation, user=buyer, role=Member.Role.BUYER)
    return organisation, buyer, products


class Queries:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed(work):
    from django.db import connection

    queries = Queries()
    start = time.perf_counter()
    with connection.execute_wrapper(queries):
        result = work()
    return result, time.perf_counter() - start, queries.count


def peak(work):
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def place_one(user, products, recipient):
    """One order the usual way (load_demo's ``place``): a basket, Oscar's order creator through
    the lifecycle's placement, stock allocated per line."""
    from django.db import transaction
    from oscar.core.loading import get_class, get_model

    Basket = get_model("basket", "Basket")
    ShippingAddress = get_model("order", "ShippingAddress")
    Country = get_model("address", "Country")
    OrderCreator = get_class("order.utils", "OrderCreator")
    OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
    Selector = get_class("partner.strategy", "Selector")
    Free = get_class("shipping.methods", "Free")
    with transaction.atomic():
        basket = Basket.objects.create(owner=user)
        basket.strategy = Selector().strategy(user=user)
        for product in products:
            basket.add_product(product, 1)
        method = Free()
        charge = method.calculate(basket)
        address = ShippingAddress.objects.create(
            first_name=recipient.name, phone_number=f"+86{recipient.mobile}",
            state=recipient.province, line4=recipient.city, line3=recipient.district,
            line1=recipient.detail, country=Country.objects.get(is_shipping_country=True),
        )  # fmt: skip
        order = OrderCreator().place_order(
            basket=basket, total=OrderTotalCalculator().calculate(basket, charge),
            shipping_method=method, shipping_charge=charge, shipping_address=address, user=user,
        )  # fmt: skip
        basket.submit()
    return order


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--reference-orders", type=int, default=200)
    args = parser.parse_args()
    say = print
    start = time.perf_counter()
    setup_django()
    from django.conf import settings
    from django.db import connection

    from organisations import batches, recipients

    settings.BATCH_MAX_RECIPIENTS = max(settings.BATCH_MAX_RECIPIENTS, args.recipients)
    say(f"{connection.vendor}: migrated in {time.perf_counter() - start:.0f} s")
    organisation, buyer, products = fixtures()
    data = sheet_xlsx(args.recipients)
    say(f"sheet: {args.recipients:,} recipients, {len(data) / 1024:.0f} KB XLSX")

    checked, validate_s, _q = timed(lambda: recipients.read(data, "名单.xlsx"))
    assert checked.ok, checked.errors[:3]
    validate_peak = peak(lambda: recipients.read(data, "名单.xlsx"))
    gifts = [batches.Gift(products[0], 2), batches.Gift(products[1], 1)]

    def create():
        return batches.create_batch(
            organisation=organisation, user=buyer, title="基准", gifts=gifts,
            recipients=checked.recipients,
        )  # fmt: skip

    batch, create_s, create_q = timed(create)
    assert batch.orders.count() == args.recipients
    create_peak = peak(create)

    few = checked.recipients[: args.reference_orders]
    _r, reference_s, reference_q = timed(lambda: [place_one(buyer, products, r) for r in few])
    per_order = reference_s / len(few)
    extrapolated = per_order * args.recipients
    figures = {
        "database": connection.vendor,
        "recipients": args.recipients,
        "products_per_recipient": len(gifts),
        "validate_s": round(validate_s, 3),
        "validate_rows_per_s": round(args.recipients / validate_s),
        "validate_peak_mb": round(validate_peak / 2**20, 1),
        "create_s": round(create_s, 3),
        "create_orders_per_s": round(args.recipients / create_s),
        "create_sql_queries": create_q,
        "create_peak_mb": round(create_peak / 2**20, 1),
        "reference_orders_placed_one_by_one": len(few),
        "reference_s_per_order": round(per_order, 4),
        "reference_sql_queries_per_order": round(reference_q / len(few), 1),
        "reference_extrapolated_s": round(extrapolated, 2),
        "batch_vs_one_by_one": round(extrapolated / create_s, 1),
        "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    say(
        f"validation: {validate_s:.2f} s ({figures['validate_rows_per_s']:,} rows/s), "
        f"peak {figures['validate_peak_mb']} MB (tracemalloc)\n"
        f"creation:   {create_s:.2f} s for {args.recipients:,} orders "
        f"({figures['create_orders_per_s']:,} orders/s, {create_q:,} SQL queries), "
        f"peak {figures['create_peak_mb']} MB (tracemalloc)\n"
        f"reference:  {len(few)} orders placed one by one the usual way: {per_order * 1000:.1f} ms "
        f"and {figures['reference_sql_queries_per_order']} queries each → {extrapolated:.1f} s "
        f"for {args.recipients:,}; the batch is {figures['batch_vs_one_by_one']}× faster\n"
        f"process peak (ru_maxrss): {figures['ru_maxrss_mb']} MB"
    )
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "batch.json").write_text(json.dumps(figures, indent=2))
    say(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
