"""OfficialScope and PersonalDataAccess now belong to the impact app (impact/0001_initial).

Only Django's idea of the models moves: their tables (``cooperatives_officialscope``, its
``_counties`` table and ``cooperatives_personaldataaccess``) stay as they are, rows and all, and
impact's models name them with ``db_table``.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cooperatives', '0006_certificationrequest_cooperativephoto'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='PersonalDataAccess'),
                migrations.DeleteModel(name='OfficialScope'),
            ],
            database_operations=[],
        ),
    ]
