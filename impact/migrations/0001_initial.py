"""OfficialScope and PersonalDataAccess, moved here from cooperatives with their tables.

The models are created in Django's state only: their tables, made by cooperatives/0002, keep
their names (``db_table``) and rows; cooperatives/0007 removed the models from that app's state.
Their content types move with them, so the permissions and admin history that point at them
follow.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ["officialscope", "personaldataaccess"]


def move_content_types(apps, from_label, to_label):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label=to_label, model=model).exists():
            ContentType.objects.filter(app_label=from_label, model=model).update(
                app_label=to_label
            )


def forwards(apps, schema_editor):
    move_content_types(apps, "cooperatives", "impact")


def backwards(apps, schema_editor):
    move_content_types(apps, "impact", "cooperatives")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('cooperatives', '0007_officials_models_move_to_impact'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='OfficialScope',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('region', 'whole region'), ('leagues', 'leagues'), ('counties', 'counties'), ('district', 'Beijing district (its paired counties)')], max_length=16, verbose_name='scope')),
                        ('leagues', models.JSONField(blank=True, default=list, verbose_name='leagues')),
                        ('beijing_district', models.CharField(blank=True, choices=[('东城区', '东城区'), ('西城区', '西城区'), ('朝阳区', '朝阳区'), ('丰台区', '丰台区'), ('石景山区', '石景山区'), ('海淀区', '海淀区'), ('门头沟区', '门头沟区'), ('房山区', '房山区'), ('通州区', '通州区'), ('顺义区', '顺义区'), ('昌平区', '昌平区'), ('大兴区', '大兴区'), ('怀柔区', '怀柔区'), ('平谷区', '平谷区'), ('密云区', '密云区'), ('延庆区', '延庆区')], max_length=8, verbose_name='Beijing district')),
                        ('counties', models.ManyToManyField(blank=True, db_table='cooperatives_officialscope_counties', to='cooperatives.county', verbose_name='counties')),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='official_scope', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'verbose_name': 'official scope',
                        'verbose_name_plural': 'official scopes',
                        'db_table': 'cooperatives_officialscope',
                    },
                ),
                migrations.CreateModel(
                    name='PersonalDataAccess',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(choices=[('view', 'viewed'), ('export', 'exported')], max_length=8, verbose_name='action')),
                        ('purpose', models.CharField(max_length=200, verbose_name='purpose')),
                        ('created', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='when')),
                        ('household', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='accesses', to='cooperatives.household', verbose_name='household')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'verbose_name': 'personal data access',
                        'verbose_name_plural': 'personal data accesses',
                        'ordering': ['-created', '-id'],
                        'db_table': 'cooperatives_personaldataaccess',
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
