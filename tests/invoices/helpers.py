"""Invoices' test helpers: organisations, paid orders, valid PDF/OFD uploads."""

import io
import zipfile
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from invoices import services
from invoices.models import InvoiceRequest
from orders import services as lifecycle
from orders import statuses
from organisations.models import Member, Organisation
from tests.factories import make_credit_code, make_order

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name="invoice.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def ofd_upload(name="invoice.ofd", inner="OFD.xml"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(inner, "<ofd:OFD/>")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def jpeg_renamed(name="invoice.pdf"):
    return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"0" * 64)


def organisation(user, *, name="北京市房山区总工会", role=Member.Role.BUYER):
    org = Organisation.objects.create(
        name=name,
        kind=Organisation.Kind.UNION,
        credit_code=make_credit_code("110111"),
        district="房山区",
        contact_name="张三",
        contact_phone="13900000001",
        contact_email="union@example.com",
        licence="organisations/licences/x.png",
        status=Organisation.Status.APPROVED,
        applied_by=user,
    )
    Member.objects.create(organisation=org, user=user, role=role)
    return org


def paid_order(items, user, **fields):
    return make_order(items, user=user, status=statuses.PAID, **fields)


def details(**overrides):
    values = {
        "kind": InvoiceRequest.Kind.ORDINARY,
        "title_type": InvoiceRequest.TitleType.ORGANISATION,
        "title": "北京市房山区总工会",
        "tax_number": make_credit_code("110111"),
        "email": "buyer@example.com",
    }
    values.update(overrides)
    return services.Details(**values)


def special(**overrides):
    values = {
        "kind": InvoiceRequest.Kind.SPECIAL,
        "address": "北京市房山区良乡镇拱辰大街 1 号",
        "phone": "010-69350000",
        "bank_name": "中国工商银行北京房山支行",
        "bank_account": "0200004509200012345",
    }
    return details(**{**values, **overrides})


def refund_line(line, quantity, amount=None):
    """Refund ``quantity`` units of ``line`` through the order's lifecycle (signal included)."""
    amount = Decimal(amount if amount is not None else line.unit_price_incl_tax * quantity)
    return lifecycle.refund(
        line.order,
        [lifecycle.RefundedPart(line, quantity, amount)],
        amount=amount,
        reference=f"test-refund-{line.pk}-{quantity}",
    )
