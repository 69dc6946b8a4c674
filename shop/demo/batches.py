"""Demo data: a purchase batch (采购单, issue 26). Called by load_demo after the organisations;
idempotent (found again by its organisation and title; nothing made twice).

The demo union (found by its credit code; shop/demo/organisations.py makes it) sends a gift of
two products to ten made-up members: one batch of ten orders, waiting for payment (the transfers'
demo gives it a bank-transfer reference). Without the union, or without the products in stock,
nothing is made.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from oscar.core.loading import get_model

from cooperatives.validators import uscc_check_char

from . import data
from .organisations import BUYER_EMAIL, ORGANISATIONS

TITLE = "演示：春节会员慰问品"
GIFTS = [("JM0001", 1), ("JM0003", 2)]  # (product upc, quantity per recipient)
RECIPIENTS = 10


def load(command) -> None:
    from organisations import batches, recipients
    from organisations.models import Organisation, PurchaseBatch

    Product = get_model("catalogue", "Product")
    spec = next(spec for spec in ORGANISATIONS if spec["approve"])
    code = spec["code17"] + uscc_check_char(spec["code17"])
    union = Organisation.objects.approved().filter(credit_code=code).first()
    buyer = get_user_model().objects.filter(email=BUYER_EMAIL).first()
    if union is None or buyer is None:
        return
    batch = PurchaseBatch.objects.filter(organisation=union, title=TITLE).first()
    if batch is None:
        gifts = [
            batches.Gift(product, quantity)
            for upc, quantity in GIFTS
            if (product := Product.objects.filter(upc=upc).first()) is not None
        ]
        checked = recipients.check_rows(recipients.TEMPLATE_HEADER, _rows())
        try:
            batch = batches.create_batch(
                organisation=union, user=buyer, title=TITLE, gifts=gifts,
                recipients=checked.recipients,
            )  # fmt: skip
        except ValidationError as refusal:
            command.stdout.write(f"Purchase batch: not made ({'; '.join(refusal.messages)}).")
            return
    command.stdout.write(
        f"Purchase batch {batch.reference}: {batch.recipients} recipients of {union.name}, "
        f"¥{batch.total}, {batch.get_status_display()}."
    )


def _rows():
    """Ten made-up recipients at made-up flats on real Beijing streets (line numbers from 2)."""
    for n in range(RECIPIENTS):
        district, _postcode, street = data.BEIJING_ADDRESSES[n % len(data.BEIJING_ADDRESSES)]
        name = data.DEMO_SURNAMES[n] + data.RECIPIENT_GIVEN_NAMES[n]
        mobile = data.recipient_mobile(8000 + n)[3:]  # 139-0000-80NN
        detail = street.format(n=n + 1, b=n % 6 + 1, r=f"{n % 18 + 1}0{n % 4 + 1}")
        yield n + 2, [name, mobile, "北京市", "北京市", district, detail]
