"""python manage.py load_demo — idempotent demo data for Jingmeng Market.

Counties with their leagues and Beijing pairings, cooperatives (each an Oscar partner), categories,
products with stock, prices, specifications and generated pictures, and one user per role.
Running it again changes nothing that is already there (matched by natural keys).
"""

import random
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F
from django.test.utils import override_settings
from django.utils import timezone
from oscar.apps.catalogue.categories import create_from_breadcrumbs
from oscar.core.loading import get_class, get_model

from cooperatives.models import Cooperative, County, Household, Membership
from cooperatives.services import add_cooperative_manager
from cooperatives.validators import id_check_char, uscc_check_char
from impact.models import OfficialScope
from orders import services as lifecycle
from orders import statuses
from shop.demo import batches as demo_batches
from shop.demo import data, images
from shop.demo import invoices as demo_invoices
from shop.demo import organisations as demo_organisations
from shop.demo import transfers as demo_transfers

Product = get_model("catalogue", "Product")
Order = get_model("order", "Order")
Line = get_model("order", "Line")
Basket = get_model("basket", "Basket")
Selector = get_class("partner.strategy", "Selector")
Free = get_class("shipping.methods", "Free")
OrderCreator = get_class("order.utils", "OrderCreator")
OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
Applicator = get_class("offer.applicator", "Applicator")
ProductClass = get_model("catalogue", "ProductClass")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductImage = get_model("catalogue", "ProductImage")
StockRecord = get_model("partner", "StockRecord")
UserAddress = get_model("address", "UserAddress")
ShippingAddress = get_model("order", "ShippingAddress")
OrderStatusChange = get_model("order", "OrderStatusChange")
OrderNote = get_model("order", "OrderNote")
ShippingEvent = get_model("order", "ShippingEvent")
CommunicationEvent = get_model("order", "CommunicationEvent")
Parcel = get_model("order", "Parcel")
Country = get_model("address", "Country")
User = get_user_model()

ROLE_GROUPS = {"host": "主播"}
DEMO_EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"


def demo_credit_code(region_code: str, serial: int) -> str:
    """A well-formed, made-up unified social credit code: 93 = farmers' cooperative."""
    first17 = f"93{region_code}MA0{serial:05d}X"
    return first17 + uscc_check_char(first17)


class Command(BaseCommand):
    help = (
        "Load (or top up) the demo data: cooperatives, products with pictures, one user per role."
    )

    def handle(self, *args, **options):
        # The demo's history emails nobody (its orders' "paid", "shipped" and "refunded" mails
        # would go out when the transaction commits).
        with override_settings(EMAIL_BACKEND=DEMO_EMAIL_BACKEND), transaction.atomic():
            self.site()
            counties = self.counties()
            cooperatives = self.cooperatives(counties)
            created = self.products(cooperatives)
            self.users(cooperatives)
            households = self.households(cooperatives)
            self.officials(counties)
            orders = self.orders()
            self.after_sales()
            # Organisation buyers, their gift batches, a bank transfer waiting, invoices.
            for part in (demo_organisations, demo_batches, demo_transfers, demo_invoices):
                part.load(self)
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
                if spec["state"] == "live":
                    self.live_orders(session, start)
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

    def live_orders(self, session, start):
        """Orders from the session on air, at its live prices: some paid since it started, one
        still waiting for payment (its live-price units are claimed, 已抢, but not sold, 已售),
        each attributed to the session as a buyer arriving from it would be."""
        from livestream.models import LineAttribution

        rng = random.Random(200)  # noqa: S311
        country = Country.objects.get(iso_3166_1_a2="CN")
        items = [item.product for item in session.items.filter(live_price__isnull=False)]
        for n in range(1, len(data.LIVE_ORDERS) + 1):
            quantities, minutes, paid = data.LIVE_ORDERS[n - 1]
            buyer, _created = User.objects.get_or_create(
                username=f"live-viewer-{n}",
                defaults={"email": f"live-viewer-{n}@example.com", "first_name": "演示观众"},
            )  # signed in: a limited live price is for a known buyer (livestream.offers)
            if _created:
                buyer.set_unusable_password()
                buyer.save()
            order = self.place(
                rng,
                [(product, q) for product, q in zip(items, quantities, strict=False) if q],
                number=f"LIVE{session.pk:03d}{n:03d}",
                user=buyer,
                recipient=self.recipient(rng, 9000 + n),
                country=country,
                offers=True,
            )
            LineAttribution.objects.bulk_create(
                LineAttribution(line=line, session=session) for line in order.lines.all()
            )
            moment = start + timedelta(minutes=minutes)
            Order.objects.filter(pk=order.pk).update(date_placed=moment)
            if paid:
                since = timezone.now()
                self.pay(order, moment + timedelta(minutes=1))
                self.redate(order, since, moment + timedelta(minutes=1))

    def orders(self):
        """Demo orders over the last six months, as a real store has them: each to a made-up
        recipient in Beijing (name, mobile, 区 and street address), placed a few minutes before
        it was paid at the hours people buy, and paid through the lifecycle with the payment's
        time, so the benefit ledger is dated then. Older orders were shipped (a parcel per
        cooperative, with a carrier and tracking number) and completed; today's and a backlog of
        the last days' wait to be shipped; a few were refunded, wholly or in part, the ledger
        reversed on the refund's day (one in the month after its payment)."""
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
        country = Country.objects.get(iso_3166_1_a2="CN")
        managers = {
            cooperative.partner_id: cooperative.partner.users.order_by("pk").first()
            for cooperative in Cooperative.objects.select_related("partner")
        }
        now = timezone.now()
        moments, crossing = self.payment_moments(rng, now)
        fates = self.fates(rng, moments, crossing, now)
        # The demo managers' cooperatives sell in most of the last days' orders, so that their
        # fulfilment lists have a day's work and a backlog.
        managed = [p for p in products if managers.get(p.stockrecords.get().partner_id)]
        for n, paid in enumerate(moments, start=1):
            items = rng.sample(products, rng.randint(1, 3))
            if now - paid < timedelta(days=4) and rng.random() < 0.8:
                items = [rng.choice(managed), *(p for p in items[1:] if p not in managed)]
            order = self.demo_order(rng, n, paid, items, consumer, country)
            fate = fates[n - 1]
            if fate.get("refund_before_shipping"):
                self.demo_refund(rng, order, fate["refund_before_shipping"], whole=True)
            if fate.get("shipped"):
                self.demo_ship(rng, order, fate["shipped"], managers)
            if fate.get("returned"):
                self.demo_refund(rng, order, fate["returned"], whole=True)
            if fate.get("completed"):
                since = timezone.now()
                lifecycle.complete(order, by_buyer=fate.get("by_buyer", False))
                self.redate(order, since, fate["completed"])
            if fate.get("refund_after"):
                self.demo_refund(rng, order, fate["refund_after"], whole=False)
        return len(moments)

    def after_sales(self):
        """Three after-sales cases (售后) on the demo consumer's shipped orders from the demo
        managers' cooperatives, so that each side has one of each state to look at: a refund asked
        for yesterday, waiting for the cooperative; a refund refused with its reason; a return the
        cooperative agreed to, waiting for the buyer's parcel."""
        from orders import aftersales

        AfterSalesRequest = get_model("order", "AfterSalesRequest")
        if AfterSalesRequest.objects.filter(order__number__startswith="DEMO").exists():
            return
        consumer = User.objects.get(email="consumer@jingmeng.example")
        lines = (
            Line.objects.filter(
                order__number__startswith="DEMO",
                order__user=consumer,
                order__status__in=statuses.PAID_STATUSES,
                parcels__isnull=False,
                partner__users__isnull=False,
                order__sources__amount_refunded=0,
            )
            .select_related("order", "partner")
            .distinct()
            .order_by("-order__date_placed", "pk")
        )
        chosen, orders = [], set()
        for line in lines:
            if aftersales.window_closed(line.order):  # completed too long ago (AFTER_SALES_DAYS)
                continue
            if (line.order_id, line.partner_id) not in orders:  # one case per cooperative
                chosen.append(line)
                orders.add((line.order_id, line.partner_id))
            if len(chosen) == 3:
                break
        plans = [
            ("refund", "damaged", "收到时外包装破了，里面有一件压坏了。", None),
            (
                "refund",
                "changed_mind",
                "买多了，吃不完。",
                "已发货商品不支持无理由仅退款，可申请退货退款。",
            ),
            ("return", "quality", "口感和描述不一样，想退货。", "return"),
        ]
        asked = timezone.now() - timedelta(hours=20)
        for line, (kind, reason, description, decision) in zip(chosen, plans, strict=False):
            [case] = aftersales.request(
                line.order,
                kind=kind,
                reason=reason,
                description=description,
                quantities={line: 1},
                user=consumer,
            )
            manager = line.partner.users.order_by("pk").first()
            if decision == "return":
                cooperative = line.partner.cooperative
                case = aftersales.agree(
                    case,
                    user=manager,
                    return_address=f"内蒙古{cooperative.county.get_league_display()}"
                    f"{cooperative.county.name} {cooperative.name} 仓库（退货请勿到付）",
                )
            elif decision:
                case = aftersales.refuse(case, user=manager, reason=decision)
            # Asked yesterday, decided a few hours later (within the cooperative's 48 hours).
            type(case).objects.filter(pk=case.pk).update(created=asked)
            if case.decided:
                type(case).objects.filter(pk=case.pk).update(decided=asked + timedelta(hours=3))
            for event in case.events.order_by("pk"):
                at = asked if event.kind == "asked" else asked + timedelta(hours=3)
                type(event).objects.filter(pk=event.pk).update(created=at)

    @staticmethod
    def payment_moments(rng, now) -> tuple[list, datetime]:
        """When each demo order was paid (aware, sorted): a few today, a backlog over the last
        three days, the rest over six months, busier lately; at the hours of a Beijing day
        people buy, never in the last five minutes. One is paid on the last evening of a month
        (it is refunded in the next)."""
        zone = ZoneInfo(settings.TIME_ZONE)
        local_now = timezone.localtime(now, zone)
        latest = now - timedelta(minutes=5)

        def on(day):
            for _attempt in range(30):
                hour = rng.choices(range(24), weights=data.PAYMENT_HOUR_WEIGHTS)[0]
                moment = datetime.combine(
                    day, dt_time(hour, rng.randrange(60), rng.randrange(60)), zone
                )
                if moment <= latest:
                    return moment
            return latest - timedelta(minutes=rng.randrange(1, 300))

        today = local_now.date()
        days = [0] * 6 + [rng.randint(1, 3) for _ in range(12)]
        month_end = today.replace(day=1) - timedelta(days=1)  # last day of last month
        crossing = datetime.combine(month_end, dt_time(21, 37, 12), zone)
        span = data.DEMO_MONTHS * 30
        while len(days) < data.DEMO_ORDERS - 1:
            days.append(4 + int((span - 4) * rng.random() ** 1.4))
        moments = [on(today - timedelta(days=d)) for d in days] + [crossing]
        return sorted(moments), crossing

    @staticmethod
    def fates(rng, moments, crossing, now) -> list[dict]:
        """What became of each order after its payment, with when: shipped, returned,
        completed (by the buyer, or automatically), refunded before shipping or in part after
        completion. Every moment is in the past; nothing of the last three days was shipped
        but a few."""
        auto_complete = timedelta(days=settings.AUTO_COMPLETE_DAYS)
        fates = []
        older = [
            i
            for i, paid in enumerate(moments)
            if now - paid > timedelta(days=4) and paid != crossing
        ]
        refunded_whole = set(rng.sample(older, 2))
        returned = set(rng.sample([i for i in older if i not in refunded_whole], 1))
        partly = set(
            rng.sample([i for i in older if i not in refunded_whole | returned], 2)
        )  # fmt: skip
        for i, paid in enumerate(moments):
            fate: dict = {}
            if paid == crossing:  # refunded the next morning: in the next month
                fate["refund_before_shipping"] = min(
                    paid + timedelta(hours=13, minutes=8), now - timedelta(minutes=1)
                )
                fates.append(fate)
                continue
            age = now - paid
            if age < timedelta(days=1) or (age < timedelta(days=4) and rng.random() < 0.7):
                fates.append(fate)  # waits to be shipped: today's and the backlog
                continue
            if i in refunded_whole:
                fate["refund_before_shipping"] = paid + timedelta(hours=rng.randint(2, 20))
                fates.append(fate)
                continue
            shipped = paid + timedelta(hours=rng.randint(6, 40), minutes=rng.randrange(60))
            shipped = min(shipped, now - timedelta(hours=2))
            fate["shipped"] = shipped
            if i in returned:
                fate["returned"] = min(shipped + timedelta(days=3, hours=2), now)
            elif shipped + auto_complete < now:
                by_buyer = rng.random() < 0.6
                fate["by_buyer"] = by_buyer
                fate["completed"] = (
                    shipped + timedelta(days=rng.randint(2, 6), hours=rng.randint(1, 10))
                    if by_buyer
                    else shipped + auto_complete + timedelta(minutes=rng.randrange(60))
                )
                if i in partly:
                    fate["refund_after"] = min(
                        fate["completed"] + timedelta(days=rng.randint(1, 3)), now
                    )
            fates.append(fate)
        return fates

    def demo_order(self, rng, n, paid, products, consumer, country):
        """One order of ``products`` to a made-up Beijing recipient (one in five the demo
        consumer's own, to their address), placed minutes before ``paid`` and paid then through
        the lifecycle."""
        since = timezone.now()
        mine = n % 5 == 0
        order = self.place(
            rng,
            [(product, rng.randint(1, 4)) for product in products],
            number=f"DEMO{n:05d}",
            user=consumer if mine else None,
            recipient=dict(data.CONSUMER_ADDRESS) if mine else self.recipient(rng, n),
            country=country,
        )
        placed = paid - timedelta(minutes=rng.randint(1, 12), seconds=rng.randrange(60))
        Order.objects.filter(pk=order.pk).update(date_placed=placed)
        self.pay(order, paid)
        self.redate(order, since, paid)
        order.refresh_from_db()
        return order

    @staticmethod
    def recipient(rng, serial) -> dict:
        """A made-up person at a made-up flat on a real Beijing street (see data.py)."""
        district, postcode, street = rng.choice(data.BEIJING_ADDRESSES)
        name = rng.choice(data.DEMO_SURNAMES[:40]) + rng.choice(data.RECIPIENT_GIVEN_NAMES)
        return {
            "first_name": name,
            "phone_number": data.recipient_mobile(serial),
            "state": "北京市",
            "line4": "北京市",
            "line3": district,
            "line1": street.format(
                n=rng.randint(1, 120), b=rng.randint(1, 16),
                r=f"{rng.randint(1, 24)}{rng.randint(1, 4):02d}",
            ),
            "postcode": postcode,
        }  # fmt: skip

    @staticmethod
    def place(rng, items, *, number, user, recipient, country, offers=False):
        """Place an order for ``items`` [(product, quantity)] through Oscar's OrderCreator (the
        lifecycle's placement), shipped to ``recipient``; with ``offers``, priced as checkout
        prices it (a live session's price while it is on air). A guest's orders carry a made-up
        email at example.com."""
        basket = Basket.objects.create(owner=user)
        basket.strategy = Selector().strategy()
        for product, quantity in items:
            basket.add_product(product, quantity)
        if offers:
            Applicator().apply(basket, user)
        shipping = Free()
        charge = shipping.calculate(basket)
        address = ShippingAddress.objects.create(country=country, **recipient)
        order = OrderCreator().place_order(
            basket=basket,
            total=OrderTotalCalculator().calculate(basket, charge),
            shipping_method=shipping,
            shipping_charge=charge,
            shipping_address=address,
            user=user,
            guest_email="" if user else f"{number.lower()}@example.com",
            order_number=number,
        )
        basket.submit()
        return order

    @staticmethod
    def pay(order, paid):
        """Paid through the same step as a real payment, at the payment's time: the payment
        event and the benefit ledger's entries are dated then."""
        lifecycle.mark_paid(
            order, amount=order.total_incl_tax, reference=f"demo-{order.number}",
            source=("demo", "演示数据"), at=paid,
        )  # fmt: skip

    def demo_ship(self, rng, order, at, managers):
        """Every line still to ship goes out, one parcel per cooperative, at ``at``."""
        from orders.fulfilment import unshipped_lines

        since = timezone.now()
        by_partner: dict = {}
        for line in unshipped_lines(order):
            by_partner.setdefault(line.partner_id, []).append(line)
        for partner_id, lines in sorted(by_partner.items()):
            carrier, shape = rng.choice(data.DEMO_CARRIERS)
            lifecycle.ship(
                order, lines, carrier=carrier,
                tracking_number=shape.format(rng.randrange(10**11, 10**12)),
                user=managers.get(partner_id),
            )  # fmt: skip
        self.redate(order, since, at)
        order.refresh_from_db()

    def demo_refund(self, rng, order, at, *, whole):
        """A refund made at ``at`` (asked for a few hours before): the whole order, or one unit
        of its first line; recorded as the payments service records one, then through the
        lifecycle with the refund's time (the ledger's reversal dated then)."""
        from orders.payments.models import Refund, RefundLine
        from orders.payments.refunds import line_refund_amount, refundable_lines

        since = timezone.now()
        order.refresh_from_db()
        items = [item for item in refundable_lines(order) if item.quantity]
        wanted = [(item, item.quantity) for item in items] if whole else [(items[0], 1)]
        refund = Refund.objects.create(
            order=order, amount=0, status=Refund.Status.REFUNDED, decided=at,
            reason="演示：买家不想要了" if whole else "演示：一件破损",
        )  # fmt: skip
        parts = []
        for item, quantity in wanted:
            amount = line_refund_amount(item, quantity)
            RefundLine.objects.create(refund=refund, line=item.line, quantity=quantity,
                                      amount=amount)  # fmt: skip
            parts.append(lifecycle.RefundedPart(item.line, quantity, amount))
        refund.amount = sum((part.amount for part in parts), Decimal("0.00"))
        refund.stripe_refund_id = f"demo-refund-{refund.pk}"
        refund.save()
        asked = max(at - timedelta(hours=rng.randint(1, 6)), order.date_placed)
        Refund.objects.filter(pk=refund.pk).update(created=asked)
        order.sources.update(amount_refunded=F("amount_refunded") + refund.amount)
        lifecycle.refund(
            order, parts, amount=refund.amount, reference=refund.stripe_refund_id,
            note=f"演示：已退款 ¥{refund.amount}", at=at,
        )  # fmt: skip
        self.redate(order, since, at)
        order.refresh_from_db()

    @staticmethod
    def redate(order, since, at):
        """What a lifecycle step just wrote for ``order`` (since ``since``, real time) dated at
        ``at``, the moment in the demo's history it stands for."""
        OrderStatusChange.objects.filter(order=order, date_created__gte=since).update(
            date_created=at
        )
        OrderNote.objects.filter(order=order, date_created__gte=since).update(date_created=at)
        ShippingEvent.objects.filter(order=order, date_created__gte=since).update(date_created=at)
        Parcel.objects.filter(order=order, shipped_at__gte=since).update(shipped_at=at)
        CommunicationEvent.objects.filter(order=order, date_created__gte=since).update(
            date_created=at
        )
