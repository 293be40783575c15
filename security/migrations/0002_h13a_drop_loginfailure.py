# The failed-login limit moved to django-axes: its AccessAttempt table holds the failures (the rows
# here only ever held the last 15 minutes, so nothing of value is lost). `LoginFailure` stays as a
# proxy of AccessAttempt, so the admin page, its name and its permissions stay where they were.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("security", "0001_initial"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [
        migrations.DeleteModel(name="LoginFailure"),
        migrations.CreateModel(
            name="LoginFailure",
            fields=[],
            options={
                "verbose_name": "nieudane logowanie",
                "verbose_name_plural": "nieudane logowania",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("axes.accessattempt",),
        ),
    ]
