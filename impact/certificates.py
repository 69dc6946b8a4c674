"""消费帮扶证明: what a buyer bought from the helped regions in a year, as a page, a PDF and a
public verification page.

A certificate is about a *subject* for a calendar *year* (Asia/Shanghai):

- a person: their own orders (``Order.user``) not bought for an organisation;
- an organisation: the orders bought for it (``Order.organisation``). impact/ never imports
  organisations/: the organisation is reached through the order's foreign key only.

Its orders are those of the subject paid in the year (the "paid" payment event, as
``impact.sales.paid_at`` dates them); what it says of them is the one definition of a sale
(``impact.sales.figures``: paid, less every refund made of them so far, whenever made):

- the amount (¥, to the fen) and units, and the products (name, units, amount);
- the counties helped (the supplying county of the lines' cooperatives) and the cooperatives;
- the households that benefited: distinct households whose benefit-ledger entries on those
  lines add up to more than nothing (a share wholly reversed by a refund benefited nobody).
  Only the count leaves this module.

A certificate with nothing left (no unit bought, or all refunded) is empty: no PDF is made.

The verification token is ``django.core.signing`` over ``[kind, id, year, amount at issue,
issue date]``, compressed, with its own salt. Signed, not encrypted: whoever holds the URL can
read those (the buyer's account id or the organisation's id, the year, the amount) though not
change them; no name, email or mobile is in it. The public page recomputes the certificate from
it, so refunds since the issue show; for a person only over what the certificate covered, and
only as "refunded since" (never today's amount, which later purchases would raise).
"""

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from xml.sax.saxutils import escape

from django.core import signing
from django.db.models import F, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from oscar.core.loading import get_model

from cooperatives.models import BenefitEntry, mask_name, mask_phone

from . import sales

Line = get_model("order", "Line")
Order = get_model("order", "Order")

PERSON = "p"
ORGANISATION = "o"
KINDS = (PERSON, ORGANISATION)
SALT = "impact.certificates.verify"
PRODUCTS_PER_PAGE = 32  # rows of the PDF's product list a page holds (one line each)
FIRST_YEAR = 2015  # the programme's start (东西部扶贫协作 over 2016–2020): no older year is asked


class Unverifiable(Exception):
    """A token that was not issued by this store (garbled, tampered, or its subject gone)."""


@dataclass(frozen=True)
class Subject:
    kind: str  # PERSON or ORGANISATION
    pk: int

    @classmethod
    def person(cls, user) -> "Subject":
        return cls(PERSON, user.pk)

    @classmethod
    def organisation(cls, pk) -> "Subject":
        return cls(ORGANISATION, int(pk))

    def orders(self):
        """Every order of the subject (any status, any time)."""
        if self.kind == PERSON:
            return Order.objects.filter(user_id=self.pk, organisation__isnull=True)
        return Order.objects.filter(organisation_id=self.pk)


@dataclass
class Certificate:
    subject: Subject
    year: int
    amount: Decimal = sales.ZERO
    units: int = 0
    products: list = field(default_factory=list)  # [{"name", "units", "amount"}], largest first
    counties: list = field(default_factory=list)  # names
    cooperatives: list = field(default_factory=list)  # names
    households: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.products


def year_bounds(year: int):
    """1 January of ``year`` to 1 January of the next, midnight in Asia/Shanghai."""
    return sales.day_start(date(year, 1, 1)), sales.day_start(date(year + 1, 1, 1))


def this_year() -> int:
    return timezone.localdate().year


def valid_year(year) -> int | None:
    """``year`` as an int when it is one a certificate can be asked for, else None."""
    try:
        year = int(year)
    except (TypeError, ValueError):
        return None
    return year if FIRST_YEAR <= year <= this_year() else None


def year_lines(subject: Subject, year: int, *, paid_before=None):
    """The lines of the subject's orders paid in ``year`` (all their lines: an order's lines
    share its payment); ``paid_before``: only those paid before that moment (what a
    certificate issued then covered)."""
    start, end = year_bounds(year)
    if paid_before is not None:
        end = min(end, paid_before)
    paid = sales.paid_at(
        Line.objects.filter(order__in=subject.orders(), order__status__in=sales.EVER_PAID)
    ).filter(paid_at__gte=start, paid_at__lt=end)
    return Line.objects.filter(order_id__in=paid.values("order_id"))


def certificate(subject: Subject, year: int, *, paid_before=None) -> Certificate:
    """What the certificate of ``subject`` for ``year`` says, today (``paid_before``: of the
    orders paid before that moment only). Three queries: the sales grouped by product, county
    and cooperative (``sales.figures``, two), and the households."""
    lines = year_lines(subject, year, paid_before=paid_before)
    rows = sales.figures(
        lines,
        "title",
        county=F("partner__cooperative__county__name"),
        cooperative=F("partner__cooperative__name"),
    )
    found = Certificate(subject=subject, year=year)
    products: dict = {}
    counties, cooperatives = set(), set()
    for row in rows:
        found.amount += row["revenue"]
        found.units += row["units"]
        product = products.setdefault(row["title"], {"name": row["title"], "units": 0,
                                                     "amount": sales.ZERO})  # fmt: skip
        product["units"] += row["units"]
        product["amount"] += row["revenue"]
        if row["units"] > 0:
            counties.add(row["county"])
            cooperatives.add(row["cooperative"])
    found.amount = sales.money(found.amount)
    found.products = sorted(
        (p for p in products.values() if p["units"] > 0),
        key=lambda p: (-p["amount"], p["name"]),
    )
    found.counties = sorted(name for name in counties if name)
    found.cooperatives = sorted(name for name in cooperatives if name)
    found.households = (
        BenefitEntry.objects.filter(order_line__in=lines)
        .values("household")
        .annotate(total=Sum("amount"))
        .filter(total__gt=0)
        .count()
    )
    return found


def years(subject: Subject) -> list[int]:
    """The years a certificate can be asked for: those with a paid order, and this one; newest
    first."""
    paid = sales.paid_at(
        Line.objects.filter(order__in=subject.orders(), order__status__in=sales.EVER_PAID)
    )
    found = set(
        paid.annotate(year=ExtractYear("paid_at", tzinfo=sales.local_zone()))
        .values_list("year", flat=True)
        .distinct()
        .order_by()
    )
    found.add(this_year())
    return sorted((y for y in found if y and valid_year(y)), reverse=True)


# --- Who the buyer is ----------------------------------------------------------------------------


def organisation_name(pk: int) -> str | None:
    """The organisation's name, reached through ``Order.organisation`` (impact/ does not import
    organisations/); None when there is no such organisation."""
    model = Order._meta.get_field("organisation").related_model
    return model.objects.filter(pk=pk).values_list("name", flat=True).first()


def masked_person(user) -> str:
    """How a person is named on their certificate: their name masked (演*客), else their
    account's mobile masked (138****8000), else 个人消费者. Never unmasked: the document is
    shown to others."""
    name = f"{user.first_name}{user.last_name}".replace(" ", "")
    if name:
        return mask_name(name)
    phone = getattr(user, "phone_account", None)
    if phone is not None and phone.number:
        digits = phone.number.removeprefix("+86")
        return mask_phone(digits)
    return "个人消费者"


# --- The signed identifier ----------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    subject: Subject
    year: int
    amount: Decimal  # at issue
    issued: date


def token(found: Certificate, issued: date | None = None) -> str:
    """The signed identifier of ``found`` as issued today (ids, year, amount, date; signed, not
    encrypted: readable by whoever holds it, no name or contact in it)."""
    issued = issued or timezone.localdate()
    payload = [
        found.subject.kind,
        found.subject.pk,
        found.year,
        str(found.amount),
        int(issued.strftime("%Y%m%d")),
    ]
    return signing.dumps(payload, salt=SALT, compress=True)


def read_token(value: str) -> Issued:
    """What ``token`` signed, or ``Unverifiable``: a garbled or tampered token, or one of
    another shape."""
    try:
        kind, pk, year, amount, issued = signing.loads(value, salt=SALT)
        if kind not in KINDS or not isinstance(pk, int) or not isinstance(year, int):
            raise ValueError
        if valid_year(year) is None:
            raise ValueError
        issued = date(issued // 10000, issued // 100 % 100, issued % 100)
        return Issued(Subject(kind, pk), year, Decimal(amount), issued)
    except (signing.BadSignature, ValueError, TypeError, InvalidOperation):
        raise Unverifiable from None


@dataclass
class Verification:
    issued: Issued
    today: Certificate
    organisation: str | None  # its name; None for a person

    @property
    def is_person(self) -> bool:
        return self.organisation is None

    @property
    def refunded_since(self) -> Decimal:
        return sales.money(self.issued.amount - self.today.amount)


def verify(value: str) -> Verification:
    """The certificate a token names, recomputed today; ``Unverifiable`` when the token is not
    ours or its subject is gone.

    An organisation's is its year as it stands today (later purchases and refunds show). A
    person's is recomputed over the orders the certificate covered only (paid by the end of its
    issue day, Beijing time), so its holder learns what was refunded of them since and nothing
    of the person's later purchases; the page shows the person only what was issued."""
    issued = read_token(value)
    subject = issued.subject
    name = None
    if subject.kind == ORGANISATION:
        name = organisation_name(subject.pk)
        if name is None:
            raise Unverifiable
        return Verification(issued, certificate(subject, issued.year), name)
    if not Order._meta.get_field("user").related_model.objects.filter(pk=subject.pk).exists():
        raise Unverifiable
    covered = sales.day_start(issued.issued + timedelta(days=1))
    return Verification(issued, certificate(subject, issued.year, paid_before=covered), None)


# --- The PDF -------------------------------------------------------------------------------------


def yuan(amount) -> str:
    return f"¥{Decimal(amount):,.2f}"


def certificate_pdf(
    found: Certificate, *, buyer: str, verify_url: str, issued: date, platform: str
) -> bytes:
    """An A4 certificate in the project's CJK font (``orders.packing``): title, buyer, year,
    amount, products, counties, households, issue date, platform, and a QR code to
    ``verify_url``."""
    import qrcode
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image,
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    from orders.packing import _font

    font = _font()
    red = colors.HexColor("#b3261e")
    gold = colors.HexColor("#c9a227")
    ink = colors.HexColor("#222222")
    muted = colors.HexColor("#666666")
    width, height = A4

    def frame(canvas, doc):
        canvas.saveState()
        canvas.setStrokeColor(red)
        canvas.setLineWidth(2.2)
        canvas.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
        canvas.setStrokeColor(gold)
        canvas.setLineWidth(0.8)
        canvas.rect(13 * mm, 13 * mm, width - 26 * mm, height - 26 * mm)
        canvas.setFont(font, 8)
        canvas.setFillColor(muted)
        canvas.drawCentredString(
            width / 2, 16 * mm, f"{platform} · 消费帮扶证明 · 第 {doc.page} 页"
        )
        canvas.restoreState()

    style = {
        "title": ParagraphStyle("title", fontName=font, fontSize=30, leading=38,
                                alignment=TA_CENTER, textColor=red),
        "subtitle": ParagraphStyle("subtitle", fontName=font, fontSize=11, leading=16,
                                   alignment=TA_CENTER, textColor=muted),
        "body": ParagraphStyle("body", fontName=font, fontSize=12.5, leading=22, textColor=ink,
                               firstLineIndent=25),
        "head": ParagraphStyle("head", fontName=font, fontSize=12, leading=18, textColor=red,
                               spaceBefore=4, spaceAfter=4),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=10.5, leading=15, textColor=ink),
        "row": ParagraphStyle("row", fontName=font, fontSize=10, leading=13, textColor=ink),
        "key": ParagraphStyle("key", fontName=font, fontSize=10.5, leading=15, textColor=muted),
        "small": ParagraphStyle("small", fontName=font, fontSize=9, leading=13, textColor=muted),
        "url": ParagraphStyle("url", fontName=font, fontSize=7.5, leading=10, textColor=muted),
        "caption": ParagraphStyle("caption", fontName=font, fontSize=9, leading=12,
                                  textColor=muted, alignment=TA_CENTER),
        "sign": ParagraphStyle("sign", fontName=font, fontSize=12, leading=20, textColor=ink),
    }  # fmt: skip
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=24 * mm,
        rightMargin=24 * mm,
        topMargin=26 * mm,
        bottomMargin=24 * mm,
        title=f"消费帮扶证明 {found.year}",
        author=platform,
        subject="消费帮扶证明",
    )
    counties = "、".join(found.counties)
    story = [
        Spacer(1, 4 * mm),
        Paragraph("消费帮扶证明", style["title"]),
        Paragraph(f"{escape(platform)} · {found.year} 年度", style["subtitle"]),
        Spacer(1, 9 * mm),
        Paragraph(
            f"兹证明 <u>{escape(buyer)}</u> 于 {found.year} 年度（北京时间）通过{escape(platform)}"
            f"购买内蒙古脱贫地区农产品，扣除退款后金额合计 "
            f"<font color='#b3261e' size='15'>{yuan(found.amount)}</font>，"
            f"共 {found.units} 件，来自 {len(found.counties)} 个旗县的 "
            f"{len(found.cooperatives)} 家合作社，带动 {found.households} 户建档立卡脱贫户受益。",
            style["body"],
        ),
        Spacer(1, 2 * mm),
        Paragraph("特此证明。", style["body"]),
        Spacer(1, 8 * mm),
    ]
    facts = [
        ["证明年度", f"{found.year} 年"],
        ["购买金额", f"{yuan(found.amount)}（已付款，扣除退款）"],
        ["购买数量", f"{found.units} 件，{len(found.products)} 种商品（明细见附表）"],
        ["帮扶旗县", counties or "—"],
        ["合作社", "、".join(found.cooperatives) or "—"],
        ["受益脱贫户", f"{found.households} 户"],
    ]
    facts_table = Table(
        [[Paragraph(k, style["key"]), Paragraph(escape(v), style["cell"])] for k, v in facts],
        colWidths=[30 * mm, 132 * mm],
    )
    facts_table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEABOVE", (0, 0), (-1, 0), 0.8, gold),
                ("LINEBELOW", (0, 0), (-1, -2), 0.3, colors.HexColor("#e0d6c2")),
                ("LINEBELOW", (0, -1), (-1, -1), 0.8, gold),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#fbf3e4")),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    story += [facts_table, Spacer(1, 9 * mm)]

    qr = qrcode.QRCode(border=1, box_size=6, error_correction=qrcode.constants.ERROR_CORRECT_L)
    qr.add_data(verify_url)
    qr.make(fit=True)
    png = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(png, format="PNG")
    png.seek(0)
    size = 36 * mm
    qr_image = Image(png, width=size, height=size)
    signature = [
        Paragraph(f"证明单位：{escape(platform)}", style["sign"]),
        Paragraph(f"签发日期：{issued.year} 年 {issued.month} 月 {issued.day} 日", style["sign"]),
        Spacer(1, 4 * mm),
        Paragraph(
            "扫描右侧二维码，或打开下方网址，核验本证明的真实性及签发以来的退款情况。"
            "核验页面不显示任何个人信息。",
            style["small"],
        ),
        # A link too: a PDF reader opens it, and the URI is in the file as plain text.
        Paragraph(f'<a href="{escape(verify_url)}">{escape(verify_url)}</a>', style["url"]),
    ]
    bottom = Table(
        [[signature, [qr_image, Paragraph("扫码核验", style["caption"])]]],
        colWidths=[122 * mm, 40 * mm],
    )
    bottom.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
            ]
        )
    )
    story.append(KeepTogether([bottom]))

    # The attached list, 附表: kept whole (on the first page when it fits there, else on the
    # next); a long one from a new page, PRODUCTS_PER_PAGE a page, each page with its header,
    # the total under the last.
    paper = colors.HexColor("#faf7f2")

    def products_table(products, last):
        rows = [["商品", "数量（件）", "金额"]]
        rows += [
            [Paragraph(escape(p["name"]), style["row"]), str(p["units"]), yuan(p["amount"])]
            for p in products
        ]
        commands = [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), 10),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
            ("BACKGROUND", (0, 0), (-1, 0), red),
            ("ROWBACKGROUNDS", (0, 1), (-1, len(products)), [colors.white, paper]),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#e0d6c2")),
            ("BOX", (0, 0), (-1, -1), 0.6, gold),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]  # fmt: skip
        if last:
            rows.append(["合计", str(found.units), yuan(found.amount)])
            commands.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#fbf3e4")))
        table = Table(rows, colWidths=[92 * mm, 30 * mm, 40 * mm], repeatRows=1)
        table.setStyle(TableStyle(commands))
        return table

    heading = Paragraph("附表：购买明细", style["head"])
    products = found.products
    if len(products) <= PRODUCTS_PER_PAGE:
        story += [Spacer(1, 8 * mm), KeepTogether([heading, products_table(products, True)])]
    else:
        pages = range(0, len(products), PRODUCTS_PER_PAGE)
        for n, first in enumerate(pages):
            story += [PageBreak(), *([heading] if n == 0 else [])]
            chunk = products[first : first + PRODUCTS_PER_PAGE]
            story.append(products_table(chunk, last=n == len(pages) - 1))
    doc.build(story, onFirstPage=frame, onLaterPages=frame)
    return buffer.getvalue()
