"""Fetch the missing NBP exchange rates the active cases need, then store each active case's total claim.

The coordinator runs it after the daily sync (it needs no InFakt request). Without network to NBP
the rates stay missing and the cases say "kurs EUR do uzupełnienia"; the command still succeeds.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from cases.claim_selectors import case_fx_keys_needed
from cases.services.claims import case_claims_refresh
from claims.nbp import exchange_rates_fetch_missing
from common.calendar import business_today


class Command(BaseCommand):
    help = "Fetch missing NBP rates for active cases and refresh their stored claim totals."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD (default: today in Warsaw)")
        parser.add_argument("--no-fetch", action="store_true", help="Do not ask NBP; use the stored rates only.")

    def handle(self, *args, **options):
        try:
            day = date.fromisoformat(options["date"]) if options["date"] else business_today()
        except ValueError as exc:
            raise CommandError(f"--date: {exc}") from exc
        if not options["no_fetch"]:
            report = exchange_rates_fetch_missing(keys=case_fx_keys_needed(), today=day)
            fetched, failed = len(report.fetched), len(report.failed)
            self.stdout.write(f"NBP rates: {fetched} fetched, {report.already} already stored, {failed} failed")
            for currency, month, error in report.failed:
                self.stderr.write(f"  {currency} {month:%Y-%m}: {error}")
        count = case_claims_refresh(day=day)
        self.stdout.write(f"Claims refreshed for {count} active cases as of {day:%Y-%m-%d}")
