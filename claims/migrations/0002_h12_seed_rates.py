"""Seed the rate tables with official values from 2016 on, each with its source (issue 12).

Values not verified are left out on purpose: the period stays uncovered, the admin warns and
cases read "stawka do uzupełnienia". Verified up to: the NBP reference rate of 3.75 % in force
from 5 March 2026 (its end is not known here, so it is recorded until 31 March 2026); the
commercial rate up to 30 June 2026 (the second half of 2026 depends on the reference rate of
1 July 2026, not verified).
"""

from datetime import date, timedelta

from django.db import migrations

MPC = "Komunikat RPP (NBP), uchwała RPP w życie od {:%d.%m.%Y}"

# (in force from, basis points, source)
REFERENCE = [
    (date(2015, 3, 5), 150, MPC.format(date(2015, 3, 5))),
    (date(2020, 3, 18), 100, MPC.format(date(2020, 3, 18))),
    (date(2020, 4, 9), 50, MPC.format(date(2020, 4, 9))),
    (date(2020, 5, 29), 10, MPC.format(date(2020, 5, 29))),
    (date(2021, 10, 7), 50, MPC.format(date(2021, 10, 7))),
    (date(2021, 11, 4), 125, "Uchwała RPP nr 11/2021 z 3.11.2021 (Dz. Urz. NBP 2021 poz. 15)"),
    (date(2021, 12, 9), 175, MPC.format(date(2021, 12, 9))),
    (date(2022, 1, 5), 225, MPC.format(date(2022, 1, 5))),
    (date(2022, 2, 9), 275, MPC.format(date(2022, 2, 9))),
    (date(2022, 3, 9), 350, MPC.format(date(2022, 3, 9))),
    (date(2022, 4, 7), 450, MPC.format(date(2022, 4, 7))),
    (date(2022, 5, 6), 525, MPC.format(date(2022, 5, 6))),
    (date(2022, 6, 9), 600, MPC.format(date(2022, 6, 9))),
    (date(2022, 7, 8), 650, MPC.format(date(2022, 7, 8))),
    (date(2022, 9, 8), 675, "Uchwała RPP z 7.09.2022, w życie 8.09.2022"),
    (date(2023, 9, 7), 600, MPC.format(date(2023, 9, 7))),
    (date(2023, 10, 5), 575, MPC.format(date(2023, 10, 5))),
    (date(2025, 5, 8), 525, MPC.format(date(2025, 5, 8))),
    (date(2025, 7, 3), 500, MPC.format(date(2025, 7, 3))),
    (date(2025, 9, 4), 475, MPC.format(date(2025, 9, 4))),
    (date(2025, 10, 9), 450, MPC.format(date(2025, 10, 9))),
    (date(2025, 11, 6), 425, MPC.format(date(2025, 11, 6))),
    (date(2025, 12, 4), 400, MPC.format(date(2025, 12, 4))),
    (date(2026, 3, 5), 375, MPC.format(date(2026, 3, 5))),
]
# The last reference rate is known to be in force only this far (its end was not verified).
REFERENCE_VERIFIED_UNTIL = date(2026, 3, 31)

MP = "Obwieszczenie w sprawie wysokości odsetek ustawowych za opóźnienie w transakcjach handlowych, {}"
DERIVED = "art. 4 pkt 3 ustawy z 8.03.2013: stopa referencyjna NBP z {:%d.%m.%Y} ({}) + {} pp (obwieszczenie w M.P.)"
# (half-year start, basis points, medical entities' basis points, source)
COMMERCIAL = [
    (date(2016, 1, 1), 950, 950, MP.format("M.P. 2016 poz. 43")),
    (date(2016, 7, 1), 950, 950, MP.format("M.P. 2016 poz. 601")),
    (date(2017, 1, 1), 950, 950, MP.format("M.P. 2017 poz. 10")),
    (date(2017, 7, 1), 950, 950, MP.format("M.P. 2017 poz. 686")),
    (date(2018, 1, 1), 950, 950, MP.format("M.P. 2018 poz. 139")),
    (date(2018, 7, 1), 950, 950, DERIVED.format(date(2018, 7, 1), "1,50 %", 8)),
    (date(2019, 1, 1), 950, 950, MP.format("M.P. 2019 poz. 42")),
    (date(2019, 7, 1), 950, 950, MP.format("M.P. 2019 poz. 671")),
    (date(2020, 1, 1), 1150, 950, DERIVED.format(date(2020, 1, 1), "1,50 %", "10 (podmioty lecznicze: 8)")),
    (date(2020, 7, 1), 1010, 810, DERIVED.format(date(2020, 7, 1), "0,10 %", "10 (podmioty lecznicze: 8)")),
    (date(2021, 1, 1), 1010, 810, MP.format("M.P. 2020 poz. 1212")),
    (date(2021, 7, 1), 1010, 810, DERIVED.format(date(2021, 7, 1), "0,10 %", "10 (podmioty lecznicze: 8)")),
    (date(2022, 1, 1), 1175, 975, DERIVED.format(date(2022, 1, 1), "1,75 %", "10 (podmioty lecznicze: 8)")),
    (date(2022, 7, 1), 1600, 1400, DERIVED.format(date(2022, 7, 1), "6,00 %", "10 (podmioty lecznicze: 8)")),
    (date(2023, 1, 1), 1675, 1475, DERIVED.format(date(2023, 1, 1), "6,75 %", "10 (podmioty lecznicze: 8)")),
    (date(2023, 7, 1), 1675, 1475, DERIVED.format(date(2023, 7, 1), "6,75 %", "10 (podmioty lecznicze: 8)")),
    (date(2024, 1, 1), 1575, 1375, DERIVED.format(date(2024, 1, 1), "5,75 %", "10 (podmioty lecznicze: 8)")),
    (date(2024, 7, 1), 1575, 1375, DERIVED.format(date(2024, 7, 1), "5,75 %", "10 (podmioty lecznicze: 8)")),
    (date(2025, 1, 1), 1575, 1375, DERIVED.format(date(2025, 1, 1), "5,75 %", "10 (podmioty lecznicze: 8)")),
    (date(2025, 7, 1), 1525, 1325, DERIVED.format(date(2025, 7, 1), "5,25 %", "10 (podmioty lecznicze: 8)")),
    (date(2026, 1, 1), 1400, 1200, DERIVED.format(date(2026, 1, 1), "4,00 %", "10 (podmioty lecznicze: 8)")),
]
STATUTORY = "art. 481 § 2 k.c.: stopa referencyjna NBP + 5,5 pp ({})"


def _half_year_end(start):
    return date(start.year, 6, 30) if start.month == 1 else date(start.year, 12, 31)


def seed(apps, schema_editor):
    ReferenceRate = apps.get_model("claims", "ReferenceRate")
    StatutoryRate = apps.get_model("claims", "StatutoryRate")
    CommercialRate = apps.get_model("claims", "CommercialRate")
    for index, (start, bp, source) in enumerate(REFERENCE):
        end = REFERENCE[index + 1][0] - timedelta(days=1) if index + 1 < len(REFERENCE) else REFERENCE_VERIFIED_UNTIL
        ReferenceRate.objects.update_or_create(
            valid_from=start, defaults={"valid_to": end, "rate_bp": bp, "source": source}
        )
        StatutoryRate.objects.update_or_create(
            valid_from=start,
            defaults={"valid_to": end, "rate_bp": bp + 550, "source": STATUTORY.format(source)},
        )
    for start, bp, medical_bp, source in COMMERCIAL:
        CommercialRate.objects.update_or_create(
            valid_from=start,
            defaults={"valid_to": _half_year_end(start), "rate_bp": bp, "medical_rate_bp": medical_bp, "source": source},
        )


STAFF = ["view", "add", "change"]  # rows are corrected, never deleted
MANAGERS = ["view"]
MODELS = ["referencerate", "commercialrate", "statutoryrate", "exchangerate"]


def roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    db = schema_editor.connection.alias
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=db)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, actions in (("Staff", STAFF), ("Managers", MANAGERS)):
        group, _created = Group.objects.using(db).get_or_create(name=name)
        codenames = [f"{action}_{model}" for action in actions for model in MODELS]
        group.permissions.add(
            *Permission.objects.using(db).filter(content_type__app_label="claims", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial"), ("cases", "0003_roles")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(roles, migrations.RunPython.noop),
    ]
