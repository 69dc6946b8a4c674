"""Demo data: invoices (issue 26). Called by load_demo (inside its transaction); idempotent.

The demo consumer asked for invoices on two recent paid orders in which the demo manager's
cooperative (胡萝卜社) sold: on one the cooperative has issued its invoice (a small generated PDF,
marked as a demo sample), on the other it waits (待开票). When an organisation's paid order or
batch exists (the organisations demo), one of its members has asked for a 专用发票 on it.
"""

import io
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from oscar.core.loading import get_model

from invoices import services
from invoices.models import Invoice, InvoiceRequest
from orders import statuses

Order = get_model("order", "Order")
User = get_user_model()

DEMO_BANK = {
    "address": "北京市房山区良乡镇拱辰大街 1 号",
    "phone": "010-69350000",
    "bank_name": "中国工商银行北京房山支行",
    "bank_account": "0200004509200012345",
}


def load(command) -> None:
    consumer = User.objects.filter(email="consumer@jingmeng.example").first()
    manager = User.objects.filter(email="manager@jingmeng.example").first()
    if consumer is None or manager is None:
        return
    made = 0
    if not InvoiceRequest.objects.filter(requested_by=consumer).exists():
        made += _consumer_requests(consumer, manager)
    made += _organisation_request()
    if made:
        command.stdout.write(f"Invoices: {made} demo invoice requests.")


def _candidates(consumer, manager):
    """The consumer's recent paid orders with a line of the manager's cooperative and no
    refund, newest first."""
    partner = manager.partners.order_by("pk").first()
    if partner is None:
        return []
    return list(
        Order.objects.filter(
            user=consumer,
            status__in=statuses.PAID_STATUSES,
            batch__isnull=True,
            lines__partner=partner,
            invoice_request__isnull=True,
        )
        .exclude(refunds__isnull=False)
        .distinct()
        .order_by("-date_placed")[:2]
    )


def _consumer_requests(consumer, manager) -> int:
    orders = _candidates(consumer, manager)
    made = 0
    for n, order in enumerate(orders):
        request = services.request_invoices(
            user=consumer,
            details=services.Details(
                kind=InvoiceRequest.Kind.ORDINARY,
                title_type=InvoiceRequest.TitleType.PERSON,
                title="王小明",  # synthetic
                tax_number="",
                email=consumer.email,
            ),
            order=order,
        )
        made += 1
        # Asked a few days ago, so that the manager's queue shows its age.
        asked = timezone.now() - timedelta(days=3 - n)
        InvoiceRequest.objects.filter(pk=request.pk).update(created=asked)
        request.invoices.update(queued_at=asked, created=asked)
        if n == 1:  # the older one: issued by the manager's cooperative
            invoice = request.invoices.filter(partner__users=manager).first()
            if invoice is not None:
                number = f"2611{timezone.localdate():%y%m%d}{invoice.pk:010d}"[:20]
                services.record_issued(
                    invoice,
                    user=manager,
                    code="",
                    number=number,
                    issued_on=timezone.localdate(),
                    upload=SimpleUploadedFile(
                        "invoice.pdf", sample_pdf(invoice, number), "application/pdf"
                    ),
                )
    return made


def _organisation_request() -> int:
    """A 专用发票 on an organisation's paid batch or order, asked by one of its members."""
    from organisations.models import Member, PurchaseBatch

    batch = (
        PurchaseBatch.objects.filter(status=PurchaseBatch.Status.PAID, invoice_request__isnull=True)
        .select_related("organisation")
        .first()
    )
    order = None
    if batch is None:
        order = (
            Order.objects.filter(
                organisation__isnull=False,
                batch__isnull=True,
                status__in=statuses.PAID_STATUSES,
                invoice_request__isnull=True,
            )
            .select_related("organisation")
            .first()
        )
    if batch is None and order is None:
        return 0
    organisation = batch.organisation if batch else order.organisation
    if (
        InvoiceRequest.objects.filter(batch__organisation=organisation).exists()
        or InvoiceRequest.objects.filter(order__organisation=organisation).exists()
    ):
        return 0
    member = Member.objects.filter(organisation=organisation).order_by("pk").first()
    if member is None:
        return 0
    try:
        services.request_invoices(
            user=member.user,
            details=services.Details(
                kind=InvoiceRequest.Kind.SPECIAL,
                title_type=InvoiceRequest.TitleType.ORGANISATION,
                title=organisation.name,
                tax_number=organisation.credit_code,
                email=organisation.contact_email or member.user.email,
                **DEMO_BANK,
            ),
            order=order,
            batch=batch,
        )
    except services.InvoiceRefused:
        return 0
    return 1


def sample_pdf(invoice: Invoice, number: str) -> bytes:
    """A one-page stand-in for an electronic invoice, clearly marked as a demo sample."""
    from reportlab.lib.pagesizes import A5, landscape
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = "Helvetica"
    if settings.CJK_FONT_PATH:
        font = "JingmengCJK"
        if font not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(font, settings.CJK_FONT_PATH, subfontIndex=0))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=landscape(A5))
    width, height = landscape(A5)
    page.setTitle(f"电子发票 {number}（演示样张）")
    page.setFont(font, 16)
    page.drawCentredString(width / 2, height - 50, "电子发票（普通发票）· 演示样张")
    page.setFont(font, 10)
    rows = [
        f"发票号码：{number}",
        f"开票日期：{timezone.localdate():%Y年%m月%d日}",
        f"购买方：{invoice.request.title}",
        f"销售方：{invoice.seller_name}",
        f"订单：{invoice.request.subject_label}",
        f"价税合计：¥{invoice.amount}",
        "本文件由京蒙优选演示数据生成，不是真实发票。",
    ]
    for n, row in enumerate(rows):
        page.drawString(40, height - 100 - n * 20, row)
    page.showPage()
    page.save()
    return buffer.getvalue()
