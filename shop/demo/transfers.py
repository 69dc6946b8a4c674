"""Demo data: 对公转账 (issue 26). Called by load_demo after the organisations and their batches;
idempotent.

Two orders of the demo organisation wait for a bank transfer, under fixed references, so that
``shop/demo/statement-demo.csv`` (import it at /dashboard/transfers/import/) shows a match (the
first is paid), a short payment (the second stays listed) and an unknown credit (listed). The
demo purchase batch, if there is one waiting for payment, gets a transfer instruction too.
"""

import random
from pathlib import Path

from django.contrib.auth import get_user_model
from oscar.core.loading import get_model

from orders import statuses
from orders.payments import transfers
from orders.payments.models import TransferInstruction

STATEMENT = Path(__file__).with_name("statement-demo.csv")

# (order number, product upc, quantity, the reference's body: its check character is added)
DEMO_TRANSFERS = [
    ("DEMOTR001", "JM0001", 2, "TRANSFER"),
    ("DEMOTR002", "JM0002", 1, "PARTPAYS"),
]
BATCH_REFERENCE_BODY = "BATCH777"


def reference(body: str) -> str:
    return f"{transfers.PREFIX}{body}{transfers.check_char(body)}"


def load(command) -> None:
    from organisations.models import Organisation, PurchaseBatch

    Order = get_model("order", "Order")
    Product = get_model("catalogue", "Product")
    Country = get_model("address", "Country")
    # The demo organisation's (the first approved); without one, the demo consumer's own.
    organisation = Organisation.objects.approved().order_by("pk").first()
    member = (
        organisation.members.order_by("role", "pk").select_related("user").first()
        if organisation
        else None
    )
    user = (
        member.user
        if member
        else get_user_model().objects.filter(email="consumer@jingmeng.example").first()
    )
    country = Country.objects.get(iso_3166_1_a2="CN")
    rng = random.Random(26003)  # noqa: S311
    for number, upc, quantity, body in DEMO_TRANSFERS:
        order = Order.objects.filter(number=number).first()
        if order is None:
            product = Product.objects.filter(upc=upc).first()
            if product is None:
                continue
            order = command.place(
                rng,
                [(product, quantity)],
                number=number,
                user=user,
                recipient={
                    "first_name": "周晓燕",
                    "phone_number": "+8613900000261",
                    "state": "北京市",
                    "line4": "北京市",
                    "line3": organisation.district if organisation else "房山区",
                    "line1": "良乡镇拱辰北大街 26 号 3 号楼 402",
                    "postcode": "102488",
                },
                country=country,
            )
            if organisation is not None:
                Order.objects.filter(pk=order.pk).update(organisation=organisation)
        if (
            order.status == statuses.PENDING_PAYMENT
            and not TransferInstruction.objects.filter(order=order).exists()
        ):
            instruction = transfers.instruction_for_order(order, user=user)
            TransferInstruction.objects.filter(pk=instruction.pk).update(reference=reference(body))
    batch = (
        PurchaseBatch.objects.filter(organisation=organisation, status="pending")
        .order_by("pk")
        .first()
        if organisation
        else None
    )
    if batch is not None and not TransferInstruction.objects.filter(batch=batch).exists():
        try:
            instruction = transfers.instruction_for_batch(batch, user=batch.created_by)
        except transfers.TransferRefused:
            instruction = None
        if (
            instruction
            and not TransferInstruction.objects.filter(
                reference=reference(BATCH_REFERENCE_BODY)
            ).exists()
        ):
            TransferInstruction.objects.filter(pk=instruction.pk).update(
                reference=reference(BATCH_REFERENCE_BODY)
            )
    waiting = TransferInstruction.objects.filter(status=TransferInstruction.Status.OPEN)
    listed = ", ".join(f"{t.reference} ¥{t.amount}" for t in waiting)
    command.stdout.write(
        f"Bank transfers waiting: {listed or 'none'}; demo statement: shop/demo/{STATEMENT.name}"
    )
