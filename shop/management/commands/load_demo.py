"""python manage.py load_demo — idempotent demo data for Jingmeng Market.

Counties with their leagues and Beijing pairings, cooperatives (each an Oscar partner), categories,
products with stock, prices, specifications and generated pictures, and one user per role.
Running it again changes nothing that is already there (matched by natural keys).
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from oscar.apps.catalogue.categories import create_from_breadcrumbs
from oscar.core.loading import get_class, get_model

from cooperatives.models import Cooperative, County, Household, Membership
from cooperatives.services import add_cooperative_manager
from cooperatives.validators import id_check_char, uscc_check_char
from impact.models import OfficialScope
from orders import services as lifecycle
from orders.statuses import COMPLETED, PAID, SHIPPED
from shop.demo import data, images

Product = get_model("catalogue", "Product")
Order = get_model("order", "Order")
Basket = get_model("basket", "Basket")
Selector = get_class("partner.strategy", "Selector")
Free = get_class("shipping.methods", "Free")
OrderCreator = get_class("order.utils", "OrderCreator")
OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
ProductClass = get_model("catalogue", "ProductClass")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductImage = get_model("catalogue", "ProductImage")
StockRecord = get_model("partner", "StockRecord")
UserAddress = get_model("address", "UserAddress")
Country = get_model("address", "Country")
User = get_user_model()

ROLE_GROUPS = {"host": "主播"}


def demo_credit_code(region_code: str, serial: int) -> str:
    """A well-formed, made-up unified social credit code: 93 = farmers' cooperative."""
    first17 = f"93{region_code}MA0{serial:05d}X"
    return first17 + uscc_check_char(first17)


class Command(BaseCommand):
    help = (
        "Load (or top up) the demo data: cooperatives, products with pictures, one user per role."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            self.site()
            counties = self.counties()
            cooperatives = self.cooperatives(counties)
            created = self.products(cooperatives)
            self.users(cooperatives)
            households = self.households(cooperatives)
            self.officials(counties)
            orders = self.orders()
            sessions = self.live_sessions(cooperatives)
        self.search_documents()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(counties)} counties, {len(cooperatives)} cooperatives, "
                f"{Product.objects.count()} products ({created} new), {households} households, "
                f"{orders} paid orders, {sessions} live sessions."
            )
        )
        if not images.cjk_font_path():
            self.stdout.write(
                self.style.WARNING("No CJK font found: product pictures use pinyin names.")
            )
        self.stdout.write("\nDemo sign-ins (email / password):")
        for role, email, password, *_ in [*data.USERS, *data.OFFICIALS]:
            self.stdout.write(f"  {role:<17} {email:<36} {password}")

    def search_documents(self):
        """Every product's search document, with the demo orders' sales."""
        from catalog.search import documents
        from orders.selectors import units_sold_by_product

        documents.rebuild()
        documents.set_sales(units_sold_by_product())

    def site(self):
        Site.objects.update_or_create(
            pk=1, defaults={"domain": "127.0.0.1:8000", "name": "京蒙优选"}
        )

    def counties(self):
        counties = {}
        for name, league, region_code, district in data.COUNTIES:
            counties[name], _ = County.objects.update_or_create(
                name=name,
                defaults={
                    "league": league,
                    "region_code": region_code,
                    "beijing_district": district,
                },
            )
        return counties

    def cooperatives(self, counties):
        cooperatives = {}
        for serial, row in enumerate(data.COOPERATIVES, start=1):
            key, name, county, village, tagline, story, share, colour = row
            county = counties[county]
            cooperative = Cooperative.objects.filter(name=name).first()
            if cooperative is None:
                cooperative = Cooperative(
                    name=name,
                    county=county,
                    credit_code=demo_credit_code(county.region_code, serial),
                    village=village,
                    tagline=tagline,
                    story=story,
                    benefit_share=share,
                )
                cooperative.full_clean(exclude=["partner"])
                cooperative.logo.save(
                    f"{cooperative.slug or key}.jpg",
                    images.logo_picture(county.name, colour),
                    save=False,
                )
                cooperative.save()
            cooperatives[key] = (cooperative, colour)
        return cooperatives

    def products(self, cooperatives):
        product_class, _ = ProductClass.objects.get_or_create(
            name="农产品", defaults={"requires_shipping": True, "track_stock": True}
        )
        categories = {name: create_from_breadcrumbs(name) for name in data.CATEGORIES}
        valid_until = timezone.localdate() + timedelta(days=365)
        created = 0
        family_of = {
            title: family for family, (_, titles) in data.FAMILIES.items() for title in titles
        }
        parents = {}
        for number, row in enumerate(data.PRODUCTS, start=1):
            (key, category, title, spec, price, stock, season, storage, certified, text) = row
            cooperative, colour = cooperatives[key]
            upc = f"JM{number:04d}"
            product = Product.objects.filter(upc=upc).first()
            if product is not None:
                continue
            parent = None
            if title in family_of:  # one 规格 of a product: its parent first, made once
                parent = parents.get(family_of[title]) or self.family(
                    family_of[title], len(parents) + 1, row, cooperative, product_class,
                    categories[category], valid_until, colour,
                )  # fmt: skip
                parents[family_of[title]] = parent
            product = Product.objects.create(
                upc=upc,
                structure=Product.CHILD if parent else Product.STANDALONE,
                parent=parent,
                title=title,
                description=text,
                product_class=None if parent else product_class,
                cooperative=cooperative,
                origin_county=cooperative.county,
                specification=spec,
                harvest_season=season,
                storage=storage,
                certification_number=(
                    f"扶贫产品认定 {cooperative.county.region_code}-{number:04d}"
                    if certified
                    else ""
                ),
                certification_valid_until=valid_until if certified else None,
                priority=10 if certified else 0,
            )
            if parent is None:  # a child is in its parent's categories (Oscar's rule)
                ProductCategory.objects.create(product=product, category=categories[category])
            StockRecord.objects.create(
                product=product,
                partner=cooperative.partner,
                partner_sku=upc,
                price=Decimal(price),
                price_currency="CNY",
                num_in_stock=stock,
                low_stock_threshold=20,
            )
            picture = images.product_picture(
                title, spec, f"{cooperative.county.league} {cooperative.county.name}", colour
            )
            image = ProductImage(product=product, display_order=0, caption=title)
            image.original.save(f"{upc.lower()}.jpg", picture, save=True)
            created += 1
        return created

    def family(self, title, number, row, cooperative, product_class, category, valid_until, colour):
        """The product a family of 规格 is sold as (an Oscar parent product: no price or stock of
        its own), with the origin and certification of its first 规格."""
        (_key, _category, _title, _spec, _price, _stock, season, storage, certified, _text) = row
        upc = f"JMF{number:03d}"
        parent = Product.objects.filter(upc=upc).first()
        if parent is not None:
            return parent
        parent = Product.objects.create(
            upc=upc,
            structure=Product.PARENT,
            title=title,
            description=data.FAMILIES[title][0],
            product_class=product_class,
            cooperative=cooperative,
            origin_county=cooperative.county,
            harvest_season=season,
            storage=storage,
            certification_number=(
                f"扶贫产品认定 {cooperative.county.region_code}-F{number:03d}" if certified else ""
            ),
            certification_valid_until=valid_until if certified else None,
            priority=10 if certified else 0,
        )
        ProductCategory.objects.create(product=parent, category=category)
        picture = images.product_picture(
            title, "", f"{cooperative.county.league} {cooperative.county.name}", colour
        )
        image = ProductImage(product=parent, display_order=0, caption=title)
        image.original.save(f"{upc.lower()}.jpg", picture, save=True)
        return parent

    def users(self, cooperatives):
        for role, email, password, first_name, last_name in data.USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User(username=email.split("@")[0], email=email)
                user.set_password(password)
            user.first_name, user.last_name = first_name, last_name
            user.is_staff = user.is_superuser = role == "admin"
            user.save()
            if role in data.MANAGED:
                add_cooperative_manager(cooperatives[data.MANAGED[role]][0], user)
            if role in ROLE_GROUPS:
                user.groups.add(Group.objects.get_or_create(name=ROLE_GROUPS[role])[0])
            if role == "consumer" and not user.addresses.exists():
                address = UserAddress(
                    user=user,
                    country=Country.objects.get(iso_3166_1_a2="CN"),
                    is_default_for_shipping=True,
                    **data.CONSUMER_ADDRESS,
                )
                address.save()

    def households(self, cooperatives):
        """Synthetic member households for every cooperative (idempotent by household number)."""
        rng = random.Random(2026)  # noqa: S311  (demo data, not secrets)
        statuses = [Household.Status.LIFTED] * 6 + [
            Household.Status.MONITORED,
            Household.Status.IN_POVERTY,
        ]
        for serial, (cooperative, _colour) in enumerate(cooperatives.values(), start=1):
            county = cooperative.county
            villages = data.VILLAGES[county.name]
            for n in range(1, data.HOUSEHOLDS_PER_COOPERATIVE + 1):
                number = f"{county.region_code}{serial:02d}{n:04d}"
                household = Household.objects.filter(number=number).first()
                if household is None:
                    surname = data.DEMO_SURNAMES[(serial * 17 + n) % len(data.DEMO_SURNAMES)]
                    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 45))
                    first17 = f"{county.region_code}{born:%Y%m%d}{serial:01d}{n:02d}"
                    household = Household.objects.create(
                        number=number,
                        head_name=f"演示{surname}{n:02d}",
                        id_number=first17 + id_check_char(first17),
                        phone=f"1380000{serial:02d}{n:02d}",
                        county=county,
                        village=villages[n % len(villages)],
                        size=rng.randint(1, 6),
                        status=statuses[rng.randrange(len(statuses))],
                    )
                Membership.objects.get_or_create(
                    household=household,
                    cooperative=cooperative,
                    defaults={
                        "weight": Decimal(rng.choice(["1", "1", "1.5", "2"])),
                        "role": rng.choice(list(Membership.Role.values)),
                        "since": date(2019, 1, 1) + timedelta(days=rng.randrange(1500)),
                    },
                )
        return Household.objects.count()

    def officials(self, counties):
        group = Group.objects.get_or_create(name=settings.OFFICIALS_GROUP)[0]
        reveal = Permission.objects.get(codename="view_household_personal_data")
        for role, email, password, kind, value, may_reveal in data.OFFICIALS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User(username=role, email=email, first_name="演示", last_name="帮扶干部")
                user.set_password(password)
                user.save()
            user.groups.add(group)
            if may_reveal:
                user.user_permissions.add(reveal)
            scope, _ = OfficialScope.objects.update_or_create(
                user=user,
                defaults={
                    "kind": kind,
                    "leagues": value if kind == OfficialScope.Kind.LEAGUES else [],
                    "beijing_district": value if kind == OfficialScope.Kind.DISTRICT else "",
                },
            )
            if kind == OfficialScope.Kind.COUNTIES:
                scope.counties.set([counties[name] for name in value])

    def live_sessions(self, cooperatives):
        """A past session with its replay chapters, one live now, one upcoming (idempotent; the
        live one's window is moved to now on every run, so the demo always has a show on)."""
        from livestream import services as live
        from livestream.models import Host, LiveSession

        host_user = User.objects.get(email=data.HOST_EMAIL)
        host, _created = Host.objects.get_or_create(user=host_user)
        host.cooperatives.add(*(cooperatives[key][0] for key in ("carrot", "oats")))
        now = timezone.now()
        for spec in data.LIVE_SESSIONS:
            cooperative = cooperatives[spec["cooperative"]][0]
            start = now + timedelta(minutes=spec["starts_in_minutes"])
            end = start + timedelta(minutes=spec["minutes"])
            session = LiveSession.objects.filter(title=spec["title"]).first()
            if session is None:
                session = live.save_session(
                    LiveSession(
                        title=spec["title"],
                        description=spec["description"],
                        cooperative=cooperative,
                        host=host_user,
                        scheduled_start=start,
                        scheduled_end=end,
                        stream_url=spec["stream_url"],
                        replay_url=spec.get("replay_url", ""),
                    ),
                    user=host_user,
                )
                for title, price, quota, limit in spec["items"]:
                    product = Product.objects.get(title=title)
                    live.add_item(
                        session,
                        product,
                        live_price=Decimal(price) if price else None,
                        quota=quota,
                        per_customer_limit=limit,
                    )
                if spec["state"] in ("live", "ended"):
                    live.go_live(session, now=start)
                    shown = (
                        session.items.all() if spec["state"] == "ended" else session.items.all()[:1]
                    )
                    for n, item in enumerate(shown):
                        live.pin(item, now=start + timedelta(minutes=5 + 20 * n))
                if spec["state"] == "ended":
                    live.end_session(session, now=end)
            elif spec["state"] == "live":
                LiveSession.objects.filter(pk=session.pk).update(
                    scheduled_start=start, scheduled_end=end, actual_start=start
                )
                session.refresh_from_db()
                live.sync_offer(session)
            elif spec["state"] == "scheduled" and session.status == LiveSession.Status.SCHEDULED:
                LiveSession.objects.filter(pk=session.pk).update(
                    scheduled_start=start, scheduled_end=end
                )
                session.refresh_from_db()
                live.sync_offer(session)
        return LiveSession.objects.count()

    def orders(self):
        """Paid demo orders over the last six months, so /impact/ has something to show."""
        existing = Order.objects.filter(number__startswith="DEMO").count()
        if existing:
            return existing
        rng = random.Random(25000)  # noqa: S311
        products = list(
            Product.objects.filter(upc__startswith="JM")
            .exclude(structure=Product.PARENT)
            .order_by("upc")
        )
        consumer = User.objects.get(email="consumer@jingmeng.example")
        now = timezone.now()
        paid_like = [PAID, PAID, SHIPPED, COMPLETED, COMPLETED, COMPLETED]
        for n in range(1, data.DEMO_ORDERS + 1):
            basket = Basket.objects.create(owner=consumer)
            basket.strategy = Selector().strategy()
            for product in rng.sample(products, rng.randint(1, 3)):
                basket.add_product(product, rng.randint(1, 4))
            shipping = Free()
            charge = shipping.calculate(basket)
            order = OrderCreator().place_order(
                basket=basket,
                total=OrderTotalCalculator().calculate(basket, charge),
                shipping_method=shipping,
                shipping_charge=charge,
                user=consumer,
                order_number=f"DEMO{n:05d}",
            )
            basket.submit()
            Order.objects.filter(pk=order.pk).update(
                date_placed=now - timedelta(days=rng.randrange(180), minutes=rng.randrange(1440))
            )
            # paid through the same step as a real payment (the ledger posted with it)
            lifecycle.mark_paid(
                order, amount=order.total_incl_tax, reference=f"demo-{order.number}",
                source=("demo", "演示数据"),
            )  # fmt: skip
            status = rng.choice(paid_like)
            if status != PAID:
                Order.objects.filter(pk=order.pk).update(status=status)
        return data.DEMO_ORDERS
