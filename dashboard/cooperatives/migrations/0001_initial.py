"""Who was shown order recipients' personal data (the cooperative workspace's audit log)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('order', '0025_after_sales_request'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RecipientDataAccess',
            fields=[
                ('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(choices=[('view', 'viewed'), ('export', 'exported'), ('print', 'printed')], max_length=8, verbose_name='action')),
                ('page', models.CharField(max_length=40, verbose_name='where')),
                ('created', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='when')),
                ('orders', models.ManyToManyField(related_name='recipient_accesses', to='order.order', verbose_name='orders')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'recipient data access',
                'verbose_name_plural': 'recipient data accesses',
                'ordering': ['-created', '-id'],
            },
        ),
    ]
