"""Fill the gaps of the rate tables with clearly-labelled DEMO values, in the demo database only.

`./run` calls it after the first sync when it runs on the bundled InFakt simulator, so the demo
shows real claims instead of "stawka do uzupełnienia". It refuses to run unless the InFakt API
key is the simulator's ("demo"), never touches a period that has a row, and labels each row it
adds "DEMO" in its source. Official values are seeded by the `claims` migrations only.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cases.claim_selectors import case_fx_keys_needed
from cases.services.claims import case_claims_refresh
from claims.models import CommercialRate, ExchangeRate, StatutoryRate
from common.calendar import business_today

SOURCE = "DEMO: wartość przykładowa do pokazu, nie oficjalna (./run, symulator InFakt)"
# Example values only: the last verified reference rate (3,75 % from 05.03.2026) plus the statutory margins.
DEMO_REFERENCE_BP = 375
DEMO_EUR = {"EUR": Decimal("4.2500"), "USD": Decimal("3.9000"), "GBP": Decimal("4.9000"), "CHF": Decimal("4.5000")}


class Command(BaseCommand):
    help = "Demo database only: enter labelled example rates where the tables have gaps, then refresh claims."

    def handle(self, *args, **options):
        if settings.INFAKT_API_KEY != "demo":
            raise CommandError("enter_demo_rates runs only against the bundled InFakt simulator (INFAKT_API_KEY=demo)")
        today = business_today()
        added = []
        with transaction.atomic():
            half = date(today.year, 1 if today.month <= 6 else 7, 1)
            for start in (date(today.year, 1, 1), half):
                end = date(start.year, 6, 30) if start.month == 1 else date(start.year, 12, 31)
                covered = CommercialRate.objects.filter(valid_from__lte=start, valid_to__gte=start).exists()
                if not covered and not CommercialRate.objects.filter(valid_from=start).exists():
                    CommercialRate.objects.create(
                        valid_from=start,
                        valid_to=end,
                        rate_bp=DEMO_REFERENCE_BP + 1000,
                        medical_rate_bp=DEMO_REFERENCE_BP + 800,
                        source=SOURCE,
                    )
                    added.append(f"commercial {start:%d.%m.%Y}")
            last = StatutoryRate.objects.order_by("-valid_from").first()
            if last is not None and last.valid_to is not None and last.valid_to < today:
                start = date.fromordinal(last.valid_to.toordinal() + 1)
                StatutoryRate.objects.create(
                    valid_from=start, valid_to=None, rate_bp=DEMO_REFERENCE_BP + 550, source=SOURCE
                )
                added.append(f"statutory {start:%d.%m.%Y}")
            stored = set(ExchangeRate.objects.values_list("currency", "month"))
            for currency, month in sorted(case_fx_keys_needed(), key=lambda key: (key[1], key[0])):
                if (currency, month) in stored or month >= today.replace(day=1) or currency not in DEMO_EUR:
                    continue
                ExchangeRate.objects.create(
                    currency=currency,
                    month=month,
                    effective_date=month.replace(day=28),
                    rate=DEMO_EUR[currency],
                    origin=ExchangeRate.Origin.MANUAL,
                    source=SOURCE,
                )
                added.append(f"{currency} {month:%Y-%m}")
        count = case_claims_refresh(day=today)
        self.stdout.write(f"Demo rates entered: {', '.join(added) or 'none needed'}; claims stored for {count} cases")
