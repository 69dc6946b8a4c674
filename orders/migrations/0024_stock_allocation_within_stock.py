"""On PostgreSQL, the database itself refuses more allocated than in stock (partner_stockrecord).

Allocation is already a conditional UPDATE (orders/utils.py); this CHECK makes any other writer
(a script, the admin, a bug) fail loudly instead of overselling. SQLite, the demo's database,
cannot add a constraint to an existing table, so there it is the conditional update alone.
"""

from django.db import migrations

NAME = "stock_allocation_within_stock"


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE partner_stockrecord ADD CONSTRAINT {NAME} "
            "CHECK (num_allocated IS NULL OR num_allocated <= num_in_stock)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE partner_stockrecord DROP CONSTRAINT IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("order", "0023_parcel"),
        ("partner", "0007_partneraddress_code"),
    ]

    operations = [migrations.RunPython(add, drop)]
