# The request's single line became its AfterSalesLine rows (0026); a migration of its own, so the
# column is dropped after the data migration's transaction (PostgreSQL refuses ALTER TABLE with
# pending trigger events).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("order", "0026_after_sales_cases"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="aftersalesrequest",
            name="line",
        ),
    ]
