"""Keeping BenefitRollup in step with the benefit ledger (see the model's docstring)."""

from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import TruncDay

from .models import BenefitEntry, BenefitRollup

UPSERT = f"""
INSERT INTO {BenefitRollup._meta.db_table} (household_id, cooperative_id, month, amount)
VALUES (%s, %s, %s, %s)
ON CONFLICT (household_id, cooperative_id, month)
DO UPDATE SET amount = {BenefitRollup._meta.db_table}.amount + excluded.amount
"""  # noqa: S608  (table name from the model, values as parameters)


def month_of(moment):
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return local.date().replace(day=1)


def add_entries(entries) -> None:
    """Add freshly posted ledger entries to the rollup (call inside the posting transaction)."""
    sums: dict = defaultdict(Decimal)
    for entry in entries:
        sums[(entry.household_id, entry.cooperative_id, month_of(entry.created))] += entry.amount
    if not sums:
        return
    with connection.cursor() as cursor:
        cursor.executemany(UPSERT, [(*key, amount) for key, amount in sums.items()])


@transaction.atomic
def rebuild() -> int:
    """Recompute the whole rollup from the ledger (one grouped query); returns its row count."""
    BenefitRollup.objects.all().delete()
    rows: dict = defaultdict(Decimal)
    # Grouped in the database by local day; days are then folded into months.
    grouped = (
        BenefitEntry.objects.annotate(day=TruncDay("created", tzinfo=ZoneInfo(settings.TIME_ZONE)))
        .values("household_id", "cooperative_id", "day")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for row in grouped.iterator(chunk_size=10_000):
        rows[(row["household_id"], row["cooperative_id"], month_of(row["day"]))] += row["amount"]
    BenefitRollup.objects.bulk_create(
        [BenefitRollup(household_id=h, cooperative_id=c, month=m, amount=a)
         for (h, c, m), a in rows.items()],
        batch_size=5000,
    )  # fmt: skip
    return len(rows)
