"""Write cases to standard output as CSV or JSON.

    python manage.py export_cases                              # all cases, CSV
    python manage.py export_cases --status active --format json

Money is integer grosze (minor units of the invoice currency), dates are ISO. `interest`,
`compensation` and `claim_total` are as of the export day (null when a rate is missing). In the CSV,
text that begins like a spreadsheet formula (= + - @, tab, CR) gets a leading apostrophe; JSON is as
stored.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandParser

from cases.claim_selectors import case_claims
from cases.exports import csv_text
from cases.selectors import case_list, case_stages_sent
from common.calendar import business_today

COLUMNS = [
    "invoice_id",
    "invoice_uuid",
    "invoice_number",
    "kind",
    "status",
    "close_reason",
    "opened_at",
    "closed_at",
    "due_date",
    "currency",
    "gross",
    "paid",
    "left_to_pay",
    "client_id",
    "client_name",
    "client_nip",
    "client_emails",
    "stages_sent",
    "next_reminder_date",
    "paused_until",
    "interest",
    "compensation",
    "claim_total",
    "pause_reason",
]
CHUNK = 2000
# Free text from InFakt: neutralised in the CSV (numbers, dates and codes are left as they are).
TEXT_COLUMNS = ("invoice_number", "client_name", "client_nip")


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--status", choices=["active", "closed", "all"], default="all")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args, **options) -> None:
        rows = self.rows(options["status"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(list(rows), ensure_ascii=False, indent=1))
            return
        writer = csv.DictWriter(self.stdout, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    **row,
                    **{name: csv_text(row[name] or "") for name in TEXT_COLUMNS},
                    "client_emails": csv_text(", ".join(row["client_emails"])),
                    "stages_sent": " ".join(str(s) for s in row["stages_sent"]),
                }
            )

    def rows(self, status: str) -> Iterator[dict]:
        cases = case_list(status=status)
        chunk = []
        for case in cases.iterator(chunk_size=CHUNK):
            chunk.append(case)
            if len(chunk) == CHUNK:
                yield from self.serialise(chunk)
                chunk = []
        yield from self.serialise(chunk)

    def serialise(self, cases) -> Iterator[dict]:
        sent = case_stages_sent(case_ids=[c.pk for c in cases])
        # Claims as of the export day, in minor units of the case currency; None when a rate is missing.
        claims = case_claims(cases=cases, day=business_today())
        for case in cases:
            invoice, client = case.invoice, case.invoice.client
            yield {
                "invoice_id": invoice.infakt_id,
                "invoice_uuid": invoice.uuid,
                "invoice_number": invoice.number,
                "kind": invoice.kind,
                "status": case.status,
                "close_reason": case.close_reason,
                "opened_at": case.opened_at.isoformat(),
                "closed_at": case.closed_at.isoformat() if case.closed_at else None,
                "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
                "currency": invoice.currency,
                "gross": invoice.gross,
                "paid": invoice.paid,
                "left_to_pay": invoice.left_to_pay,
                "client_id": client.infakt_id if client else invoice.client_infakt_id,
                "client_name": client.name if client else "",
                "client_nip": client.nip_normalized if client else "",
                "client_emails": list(client.emails) if client else [],
                "stages_sent": sent.get(case.pk, []),
                "next_reminder_date": case.next_reminder_date.isoformat() if case.next_reminder_date else None,
                # null with pause_reason "correction": paused until staff confirm the amount
                "paused_until": case.paused_until.isoformat() if case.paused_until else None,
                "interest": claims[case.pk].interest,
                "compensation": claims[case.pk].compensation,
                "claim_total": claims[case.pk].total,
                "pause_reason": case.pause_reason,
            }
