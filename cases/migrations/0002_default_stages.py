"""Seed the five default dunning stages (-1, +7, +14, +21, +30 days from the due date).

Wording (subjects and bodies) is filled in by the reminders' migrations; staff edit
everything in the admin afterwards.
"""

from django.db import migrations

DEFAULT_STAGES = [
    (-1, "Przypomnienie przed terminem"),
    (7, "Informacja o przekroczeniu terminu"),
    (14, "Wezwanie do zapłaty"),
    (21, "Zapowiedź przekazania do windykacji"),
    (30, "Przekazanie do windykacji"),
]


def seed(apps, schema_editor):
    ReminderStage = apps.get_model("cases", "ReminderStage")
    for offset, name in DEFAULT_STAGES:
        ReminderStage.objects.get_or_create(offset_days=offset, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
