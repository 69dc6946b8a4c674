"""Demo data: organisation buyers (issue 26). Called by load_demo after the orders history;
idempotent (found again by credit code, order number; nothing made twice).

- 房山区示范单位工会 (a made-up trade union in 房山区), approved, with its administrator
  org-admin@jingmeng.example and a purchaser org-buyer@jingmeng.example (passwords in
  data.USERS), this year's reserved share and a few paid orders over the year, so its page shows
  progress by month and by county;
- 昌平区示范科技有限公司 (made up), applied by org-applicant@jingmeng.example, waiting for staff.

Credit codes are well-formed and made up (check character computed); the licence pictures are
drawn here and say 演示 (demo)."""

import io
import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from oscar.core.loading import get_model
from PIL import Image, ImageDraw, ImageFont

from cooperatives.validators import uscc_check_char

ADMIN_EMAIL = "org-admin@jingmeng.example"
BUYER_EMAIL = "org-buyer@jingmeng.example"
APPLICANT_EMAIL = "org-applicant@jingmeng.example"
TARGET = Decimal("50000.00")

ORGANISATIONS = [
    {
        "applicant": ADMIN_EMAIL,
        "approve": True,
        "name": "房山区示范单位工会",
        "kind": "union",
        "code17": "81110111MC0000026",  # 8x: a trade union; 110111: 房山区
        "district": "房山区",
        "contact_name": "演示联系人",
        "contact_phone": "13900000101",
        "contact_email": ADMIN_EMAIL,
    },
    {
        "applicant": APPLICANT_EMAIL,
        "approve": False,
        "name": "昌平区示范科技有限公司",
        "kind": "company",
        "code17": "91110114MA0000026",  # 91: a company; 110114: 昌平区
        "district": "昌平区",
        "contact_name": "演示申请人",
        "contact_phone": "13900000102",
        "contact_email": APPLICANT_EMAIL,
    },
]

# Paid orders of the union this year: (number, month, day, [(product upc, quantity)])
ORDERS = [
    ("DEMOORG01", 1, 18, [("JM0001", 40), ("JM0010", 20)]),  # 春节慰问
    ("DEMOORG02", 4, 8, [("JM0020", 30)]),
    ("DEMOORG03", 6, 20, [("JM0023", 50), ("JM0031", 30)]),  # 端午
    ("DEMOORG04", 9, 12, [("JM0015", 40), ("JM0026", 40)]),  # 中秋
    ("DEMOORG05", 11, 3, [("JM0011", 10), ("JM0029", 50)]),  # 食堂
]


def licence_picture(name: str) -> SimpleUploadedFile:
    """A made-up licence: a pale page with the name and 演示 in a frame."""
    image = Image.new("RGB", (900, 640), (250, 246, 236))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 880, 620), outline=(180, 40, 40), width=8)
    try:
        font = ImageFont.truetype(settings.CJK_FONT_PATH, 44) if settings.CJK_FONT_PATH else None
    except OSError:
        font = None
    if font is not None:
        draw.text((80, 90), "营业执照（演示）", fill=(160, 30, 30), font=font)
        draw.text((80, 250), name, fill=(40, 40, 40), font=font)
    else:
        draw.text((80, 90), "DEMO LICENCE", fill=(160, 30, 30))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile("licence.png", out.getvalue(), content_type="image/png")


def load(command) -> None:
    from organisations import services
    from organisations.models import Member, Organisation, ReservedShare

    User = get_user_model()
    staff = User.objects.filter(is_staff=True).order_by("pk").first()
    union = None
    for spec in ORGANISATIONS:
        code = spec["code17"] + uscc_check_char(spec["code17"])
        applicant = User.objects.get(email=spec["applicant"])
        organisation = Organisation.objects.filter(credit_code=code).first()
        if organisation is None:
            fields = {k: spec[k] for k in services.APPLICATION_FIELDS if k != "credit_code"}
            organisation = services.apply(
                user=applicant, licence=licence_picture(spec["name"]), credit_code=code, **fields
            )
        if spec["approve"] and organisation.status == Organisation.Status.PENDING:
            organisation = services.approve(organisation, by=staff)
        if spec["approve"]:
            union = organisation
    if union is None:
        return
    admin = User.objects.get(email=ADMIN_EMAIL)
    buyer = User.objects.get(email=BUYER_EMAIL)
    if not union.members.filter(user=buyer).exists():
        services.add_member(union, by=admin, contact=BUYER_EMAIL, role=Member.Role.BUYER)
    year = timezone.localdate().year
    if not ReservedShare.objects.filter(organisation=union, year=year).exists():
        services.set_target(union, by=admin, year=year, target=TARGET)
    orders = _orders(command, union, buyer, year)
    command.stdout.write(
        f"Organisations: {union.name} (approved, {union.members.count()} members, target "
        f"¥{TARGET} for {year}, {orders} orders), one application waiting for staff."
    )


def _orders(command, organisation, buyer, year) -> int:
    """The union's paid orders this year (up to today), shipped to its office."""
    Order = get_model("order", "Order")
    Product = get_model("catalogue", "Product")
    Country = get_model("address", "Country")
    country = Country.objects.get(iso_3166_1_a2="CN")
    rng = random.Random(26001)  # noqa: S311  (demo data)
    today = timezone.localtime()
    made = 0
    for number, month, day, items in ORDERS:
        if Order.objects.filter(number=number).exists():
            made += 1
            continue
        paid = datetime(year, month, day, 10, 30, tzinfo=today.tzinfo)
        if paid > today:
            continue
        products = [(Product.objects.filter(upc=upc).first(), quantity) for upc, quantity in items]
        products = [(p, q) for p, q in products if p is not None]
        if not products:
            continue
        order = command.place(
            rng,
            products,
            number=number,
            user=buyer,
            recipient={
                "first_name": "演示收货人",
                "phone_number": "+8613900000103",
                "state": "北京市",
                "line4": "北京市",
                "line3": organisation.district,
                "line1": "良乡镇拱辰北大街 26 号 工会办公室",
                "postcode": "102488",
            },
            country=country,
        )
        Order.objects.filter(pk=order.pk).update(
            organisation=organisation, date_placed=paid - timedelta(minutes=5)
        )
        order.refresh_from_db()
        command.pay(order, paid)
        made += 1
    return made
