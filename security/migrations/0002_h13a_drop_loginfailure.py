# The failed-login limit moved to django-axes (its AccessAttempt table); the rows here only ever
# held the last 15 minutes of failures, so nothing of value is lost.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("security", "0001_initial"),
    ]

    operations = [
        migrations.DeleteModel(name="LoginFailure"),
    ]
