"""Benchmark every list page, the panel and the reports at 1,000 and 100,000 cases.

    .venv/bin/python bench/pages.py                       # 1,000 and 100,000 cases, 30 rounds
    .venv/bin/python bench/pages.py --sizes 1000 100000 --repeat 40
    .venv/bin/python bench/pages.py --only notification   # pages whose list or label contains the word
    .venv/bin/python bench/pages.py --keep                # reuse databases that already hold the size
    .venv/bin/python bench/pages.py --only reports --uncached  # no cache, no snapshot: every request computes
    .venv/bin/python bench/pages.py --only reports --stale     # every request serves a stale snapshot
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/it_bench .venv/bin/python bench/pages.py

Each size gets its own PostgreSQL database (<name>_1000, <name>_100000; created when
missing, the tables emptied and refilled with bulk_create): the cases (70 % active) over
size/4 clients, and at their natural sizes the e-mail log (about 3 notifications a case:
every stage sent, passed-over and before-due stages skipped, some failed) and the timeline
(about 4.5 events a case), the sync runs, reminder runs and skipped records of 400 days.
The pages (PAGES, built from the admin registry): every admin list with its default order,
every sortable column, the text search and the filters; /cases/ lists; the sync panel, a run
page and the reports (30 and 90 days; their snapshots refreshed first, as the worker does after
each sync: --stale marks them out of date, as right after a change of the data). Requests go
through Django's test client (routing, middleware, session, queries, template rendering), logged
in as a superuser. The sizes are measured in alternation, request by request, so both see the
same machine load. For each
page it prints the SQL queries and rows per request, the median and p95 wall time, and the
p95 ratio largest/smallest size, marked "ROWS a/b" where the smallest size shows fewer rows (a search or
filter that cannot fill a page at 1,000 cases) and "QUERIES DIFFER" where the query counts differ.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/it_bench")
os.environ.setdefault("INVOICETRACKER_TESTING", "true")
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

CURRENT = {"alias": "default"}


class CurrentDatabaseRouter:
    """Every query goes to the database of the size being measured."""

    def db_for_read(self, model, **hints):
        return CURRENT["alias"]

    def db_for_write(self, model, **hints):
        return CURRENT["alias"]

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return True


# Pages besides the admin lists (which admin_pages() builds from the registry).
OTHER_PAGES = [
    ("tables2", "active, default", "/cases/active/"),
    ("tables2", "active, sort days asc", "/cases/active/?sort=days_past_due"),
    ("tables2", "active, sort left to pay desc", "/cases/active/?sort=-left_to_pay"),
    ("tables2", "active, sort client", "/cases/active/?sort=client"),
    ("tables2", "active, sort client desc", "/cases/active/?sort=-client"),
    ("tables2", "active, page 2", "/cases/active/?page=2"),
    ("tables2", "active, 31-365 days + e-mail", "/cases/active/?days_min=31&days_max=365&missing_email=false"),
    ("tables2", "active, search client name", "/cases/active/?q=Beta"),
    ("tables2", "closed, default", "/cases/closed/"),
    ("tables2", "closed, search client name", "/cases/closed/?q=Beta"),
    # The same search with a full page at both sizes ("Beta" finds 33 closed cases at 1,000, 100 shown at 100,000).
    ("tables2", "closed, search every client (a full page at both sizes)", "/cases/closed/?q=Sp."),
    ("tables2", "active, the biggest client (~20 / ~1,750 open)", "/cases/active/?client_id={client}"),
    ("tables2", "active, 31-365 days + sum row", "/cases/active/?days_min=31&days_max=365"),
    ("client", "client page (the client with most cases and letters)", "/clients/{client}/"),
    ("client", "client page (a client with a few cases)", "/clients/{small_client}/"),
    # The same page at both sizes: a client with about 200 cases (140 open) at 1,000 and at 100,000.
    ("client", "client page (~200 cases at both sizes)", "/clients/{steady_client}/"),
    ("tables2", "active, one client, a full page at both sizes", "/cases/active/?client_id={steady_client}"),
    ("panel", "sync panel", "/sync/"),
    ("panel", "a sync run", "/sync/runs/{run}/"),
    ("panel", "reports, 30 days", "/sync/reports/"),
    ("panel", "reports, 90 days", "/sync/reports/?days=90"),
    ("panel", "admin index", "/admin/"),
    ("worklist", "worklist (the clerk's morning)", "/cases/today/"),
]
# Filters per admin list (model label -> [(label, query string)]); sorting and search come from the admin itself.
ADMIN_FILTERS = {
    "cases.case": [
        ("filter >90 days, active", "overdue=90%2B&status__exact=active"),
        ("filter missing e-mail", "email=missing"),
        ("filter paused", "paused=yes"),
        ("page 2", "p=2"),
    ],
    "cases.invoice": [("filter EUR", "currency=EUR")],
    "cases.client": [
        ("filter no e-mail", "has_usable_email__exact=0"),
        ("search every client (a full page at both sizes)", "q=Sp."),
    ],
    "notifications.notification": [
        ("filter errors", "outcome=error"),
        ("filter to review", "outcome=review"),
        ("filter sent", "status__exact=sent"),
        ("page 2", "p=2"),
        ("search a client's e-mail", "q=biuro1234%40"),  # a word with "@": also a Message-ID
    ],
    "syncstatus.syncrun": [("filter success", "status__exact=success")],
}
SEARCH_TERM = "Beta"  # matches 10 % of the clients (and a number search: "FV/4321/")


def admin_pages() -> list[tuple[str, str, str]]:
    """Every registered admin list: default, each sortable column, the search, the filters above."""
    from django.contrib import admin
    from django.contrib.auth.models import User
    from django.test import RequestFactory
    from django.urls import reverse

    request = RequestFactory().get("/")
    request.user = User(username="bench", is_superuser=True, is_staff=True, is_active=True)
    pages = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in {"cases", "notifications", "syncstatus", "security"}:
            continue
        label = model._meta.label_lower
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        pages.append(("admin", f"{label} default", url))
        # The admin counts the action checkbox as column 0 when the list has actions.
        first = 1 if model_admin.get_actions(request) else 0
        for index, name in enumerate(model_admin.get_list_display(request), start=first):
            attr = getattr(model_admin, name, None) or getattr(model, name, None)
            sortable = getattr(attr, "admin_order_field", None) or (
                name in {f.name for f in model._meta.get_fields() if getattr(f, "concrete", False)}
            )
            if sortable:
                pages.append(("admin", f"{label} sort {name}", f"{url}?o={index}"))
        if model_admin.search_fields:
            pages.append(("admin", f"{label} search", f"{url}?q={SEARCH_TERM}"))
            if label in {"cases.case", "cases.invoice", "notifications.notification"}:
                pages.append(("admin", f"{label} search number", f"{url}?q=FV%2F4321%2F"))
        for filter_label, query in ADMIN_FILTERS.get(label, []):
            pages.append(("admin", f"{label} {filter_label}", f"{url}?{query}"))
    return pages


def all_pages() -> list[tuple[str, str, str]]:
    """(kind, label, url) of every page measured; "{run}" in a url is a sync run's id. Needs Django set up."""
    return [*admin_pages(), *OTHER_PAGES]


# A placeholder in a page's url -> the InFakt id of the client it stands for (see `fill`).
CLIENT_PLACEHOLDERS = {
    "{client}": 1,  # the heavy client: every 40th case and their letters
    "{steady_client}": 2,  # ~200 cases at every size
    "{small_client}": 3,  # a few cases
}


def page_url(url: str) -> str:
    from cases.models import Client
    from syncstatus.models import SyncRun

    for placeholder, infakt_id in CLIENT_PLACEHOLDERS.items():
        if placeholder in url:
            pk = Client.objects.filter(infakt_id=infakt_id).values_list("pk", flat=True).first()
            url = url.replace(placeholder, str(pk))
    if "{run}" in url:
        return url.replace("{run}", str(SyncRun.objects.order_by("-pk").values_list("pk", flat=True).first()))
    return url


def ensure_database(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    conn = psycopg2.connect(
        host=parsed.hostname, port=parsed.port or 5432, user=parsed.username or "postgres", dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def fill(size: int, *, seed: int = 5) -> None:
    """Empty the case tables and bulk-create `size` cases (70 % active) over size/4 clients."""
    from django.db import connections

    connection = connections[CURRENT["alias"]]
    from django.utils import timezone

    from cases.models import Case, Client, Invoice, ReminderStage
    from common.calendar import business_today

    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE cases_caseevent, notifications_notification, notifications_reminderrun, "
            "syncstatus_skippedrecord, syncstatus_syncrun, cases_case, cases_invoice, cases_client "
            "RESTART IDENTITY CASCADE"
        )
    now, today = timezone.now(), business_today()
    stages = list(ReminderStage.objects.order_by("offset_days"))
    names = ["Alfa", "Beta", "Gamma", "Delta", "Omega", "Kowalski", "Nowak", "Wiśniewski", "Zieliński", "Lewandowski"]
    clients = []
    for i in range(max(1, size // 4)):
        has_email = rng.random() > 0.1
        email = f"biuro{i}@firma{i}.pl" if has_email else ""
        clients.append(
            Client(
                infakt_id=i + 1,
                # Client 2 holds ~200 cases at every size (below): a name no search of the bench looks for.
                company_name=f"{rng.choice(names)} {i} Sp. z o.o." if i != 1 else "Sigma 1 Sp. z o.o.",
                nip=f"{rng.randrange(10**9, 10**10)}",
                nip_normalized=f"{rng.randrange(10**9, 10**10)}",
                email_raw=email,
                emails=[email] if has_email else [],
                has_usable_email=has_email,
                city="Warszawa",
            )
        )
    Client.objects.bulk_create(clients, batch_size=5000)
    # In creation order (random names): Client's default order is by name, which gave each name's cases
    # (and e-mails) consecutive ids, so a name's e-mails sat together in the log instead of over the year.
    clients = list(Client.objects.only("pk", "infakt_id", "company_name").order_by("pk"))
    heavy = next(client for client in clients if client.infakt_id == 1)
    steady = next((client for client in clients if client.infakt_id == 2), heavy)
    invoices = []
    for i in range(size):
        gross = rng.randrange(10_00, 50_000_00)
        # One client holds every 40th case (about 29 at 1,000, 2,504 at 100,000): the client page's worst case.
        # Another (infakt_id 2) holds about 200 cases at every size: its pages show the same rows at both.
        if i % 40 == 0:
            client = heavy
        elif i < 1000 and i % 5 == 1:
            client = steady
        else:
            client = clients[i % len(clients)]
        due = today - timedelta(days=rng.randrange(-10, 400))
        invoices.append(
            Invoice(
                infakt_id=i + 1,
                uuid=f"bench-{i}",
                number=f"FV/{i + 1}/2026",
                status=Invoice.Status.SENT,
                issue_date=due - timedelta(days=14),
                due_date=due,
                gross=gross,
                paid=0,
                left_to_pay=gross,
                currency="EUR" if i % 25 == 0 else "PLN",
                client_id=client.pk,
                client_infakt_id=client.infakt_id,
                client_sort_name=client.company_name,  # as Invoice.save would (bulk_create does not call it)
                last_seen_at=now,
            )
        )
    Invoice.objects.bulk_create(invoices, batch_size=5000)
    cases = []
    invoice_gross = dict(Invoice.objects.values_list("pk", "gross"))
    for invoice in Invoice.objects.only("pk", "due_date").order_by("pk").iterator(chunk_size=5000):
        closed = rng.random() < 0.3
        done = rng.randrange(0, len(stages) + 1)
        last = stages[done - 1].offset_days if done else None
        nxt = None if closed or done == len(stages) else stages[done]
        paused = not closed and rng.random() < 0.05
        # The worklist's rows: promises (some broken), corrections under review, the ladder's end.
        broken = paused and rng.random() < 0.2
        promised_on = today - timedelta(days=rng.randrange(1, 30)) if broken else today + timedelta(days=10)
        review = not closed and not paused and rng.random() < 0.005
        cases.append(
            Case(
                invoice_id=invoice.pk,
                status=Case.Status.CLOSED if closed else Case.Status.ACTIVE,
                opened_at=now - timedelta(days=rng.randrange(1, 400)),
                closed_at=now if closed else None,
                close_reason=Case.CloseReason.PAID if closed else "",
                last_stage_offset=last,
                next_stage=nxt,
                next_reminder_date=invoice.due_date + timedelta(days=nxt.offset_days) if nxt else None,
                paused_until=promised_on if paused else None,
                pause_reason=Case.PauseReason.PROMISE_TO_PAY
                if paused
                else (Case.PauseReason.CORRECTION if review else ""),
                promise_date=promised_on if paused else None,
                promise_amount=invoice_gross[invoice.pk] // 2 if paused else None,
                promise_paid_before=0 if paused else None,
                handover=Case.Handover.TO_HAND_OVER if not closed and done == len(stages) else "",
            )
        )
    Case.objects.bulk_create(cases, batch_size=5000)
    fill_history(rng, stages, today, now)
    with connection.cursor() as cursor:
        # VACUUM as autovacuum would soon after: it merges the GIN (trigram) indexes' pending lists
        # filled by the bulk insert and sets the visibility map, so the plans are those of a settled database.
        cursor.execute("VACUUM ANALYZE")


BODY = (
    "Dzień dobry,\n\nuprzejmie przypominamy, że {due} minął termin płatności faktury nr {number}. "
    "Do zapłaty: {amount}. Rachunek: 61 1090 1014 0000 0712 1981 2874. Tytuł przelewu: {number}.\n\n"
    "Jeżeli przelew został już zlecony, dziękujemy i prosimy nie brać tej wiadomości pod uwagę.\n\n"
    "W razie pytań prosimy o kontakt: ksiegowosc@firma.pl, tel. +48 22 100 20 30.\n\nZ pozdrowieniami\nFirma Sp. z o.o."
)


def fill_history(rng: random.Random, stages, today, now) -> None:
    """The e-mail log, the timeline and the runs at their natural sizes for the cases just created.

    Per case: an "opened" event; for every stage done a sent e-mail and a "reminder" event, the
    ones an outage passed over as skipped e-mails (with their event); a skipped before-due stage
    when the case opened late; payments and refreshes as events. About 3 e-mails and 4.5 events
    a case. One sync run and one reminder run a day for 400 days, a few skipped records.
    """
    from cases.models import Case, CaseEvent
    from notifications.models import Notification, ReminderMessage, ReminderRun
    from syncstatus.models import SkippedRecord, SyncRun

    sync_runs, reminder_runs = [], []
    for back in range(400, -1, -1):
        day = today - timedelta(days=back)
        start = now - timedelta(days=back, hours=1)
        sync_runs.append(
            SyncRun(
                target_date=day, started_at=start, finished_at=start + timedelta(seconds=40), heartbeat_at=start,
                status=SyncRun.Status.SUCCESS, phase="done", invoices_read=rng.randrange(50, 400),
                cases_opened=rng.randrange(0, 40), cases_closed=rng.randrange(0, 40), api_requests=rng.randrange(3, 12),
                api_requests_by_kind={"invoice_list": 4, "client_list": 1},
            )
        )  # fmt: skip
        reminder_runs.append(ReminderRun(day=day, started_at=start + timedelta(minutes=1), sent=rng.randrange(0, 300)))
    SyncRun.objects.bulk_create(sync_runs, batch_size=1000)
    ReminderRun.objects.bulk_create(reminder_runs, batch_size=1000)
    run_ids = list(ReminderRun.objects.order_by("day").values_list("pk", flat=True))
    SkippedRecord.objects.bulk_create(
        [
            SkippedRecord(run_id=run.pk, kind="invoice", record_id=str(900_000 + i), reason="brak terminu płatności")
            for i, run in enumerate(SyncRun.objects.order_by("pk")[::10])
        ]
    )
    notifications, events, messages = [], [], []

    def flush(force: bool = False) -> None:
        if force or len(notifications) >= 20_000:
            ReminderMessage.objects.bulk_create(messages, batch_size=5000)  # pks first: the letters point to them
            messages.clear()
            Notification.objects.bulk_create(notifications, batch_size=5000)
            notifications.clear()
        if force or len(events) >= 20_000:
            CaseEvent.objects.bulk_create(events, batch_size=5000)
            events.clear()

    cases = (
        Case.objects.select_related("invoice__client")
        .only("pk", "opened_at", "last_stage_offset", "invoice__number", "invoice__due_date", "invoice__gross",
              "invoice__client_id", "invoice__client__emails")
        .order_by("pk")
    )  # fmt: skip
    for case in cases.iterator(chunk_size=5000):
        invoice = case.invoice
        emails = invoice.client.emails
        events.append(CaseEvent(case_id=case.pk, at=case.opened_at, kind=CaseEvent.Kind.OPENED, message=(
            f"Otwarto sprawę: {invoice.number}, termin {invoice.due_date:%d.%m.%Y}")))  # fmt: skip
        done = [st for st in stages if case.last_stage_offset is not None and st.offset_days <= case.last_stage_offset]
        for index, stage in enumerate(done):
            send_date = invoice.due_date + timedelta(days=stage.offset_days)
            at = now - timedelta(days=max(0, (today - send_date).days))
            passed_over = index < len(done) - 1 and rng.random() < 0.15
            if not emails:
                status, reason = Notification.Status.SKIPPED, Notification.Reason.NO_EMAIL
            elif passed_over:
                status, reason = Notification.Status.SKIPPED, Notification.Reason.PASSED_OVER
            elif rng.random() < 0.02:
                status, reason = Notification.Status.FAILED, Notification.Reason.SMTP_ERROR
            else:
                status, reason = Notification.Status.SENT, ""
            sent = status == Notification.Status.SENT
            body = BODY.format(due=f"{invoice.due_date:%d.%m.%Y}", number=invoice.number, amount=invoice.gross)
            run_id = run_ids[-1 - min(len(run_ids) - 1, (today - send_date).days)]
            error = "550 mailbox unavailable" if status == Notification.Status.FAILED else ""
            notification = Notification(
                case_id=case.pk, stage_id=stage.pk, status=status, reason=reason, send_date=send_date, error=error,
                stage_offset=stage.offset_days, language="pl", run_id=run_id,
            )  # fmt: skip
            if sent:
                notification.recipients = list(emails)
                notification.subject = f"{stage.name}: faktura {invoice.number}"
                notification.body_text, notification.body_html = body, f"<p>{body}</p>"
                notification.message_id, notification.attempts, notification.sent_at = (
                    f"<{case.pk}.{stage.pk}@b>",
                    1,
                    at,
                )
                # The e-mail as sent (one per letter here; digests would only make the log smaller).
                notification.email = ReminderMessage(
                    client_id=invoice.client_id, status="sent", mode="auto", send_date=send_date,
                    recipients=list(emails), subject=notification.subject, body_text=body,
                    items=f"{case.pk}:{stage.offset_days:+d}", lead_offset=stage.offset_days, language="pl",
                    sent_at=at, run_id=run_id,
                )  # fmt: skip
                messages.append(notification.email)
            notifications.append(notification)
            events.append(CaseEvent(case_id=case.pk, at=at, kind=CaseEvent.Kind.REMINDER, message=(
                f"Wysłano przypomnienie „{stage.name}”" if sent else f"Pominięto etap „{stage.name}”")))  # fmt: skip
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            events.append(CaseEvent(case_id=case.pk, at=now - timedelta(days=rng.randrange(0, 60)),
                                    kind=CaseEvent.Kind.REFRESHED, message="Odświeżono z InFakt"))  # fmt: skip
        flush()
    flush(force=True)
    from django.db import connections

    with connections[CURRENT["alias"]].cursor() as cursor:  # created_at is "now" after bulk_create: spread the log
        cursor.execute("UPDATE notifications_notification SET created_at = COALESCE(sent_at, send_date::timestamptz)")
    from cases.services import case_totals_compact

    case_totals_compact()  # as after a sync: the lists' totals folded (the fill wrote a row per case)


ROW_MARKERS = ('name="_selected_action"', '<td class="number"', '<th class="field-')


def rows_shown(html: str) -> int:
    """Rows on the page: admin rows carry a checkbox (or, read-only, a header cell), table rows a number cell."""
    return max(html.count(marker) for marker in ROW_MARKERS)


def count_queries(client, url: str) -> tuple[int, int]:
    """(SQL queries, rows shown) for one request, after warming up."""
    from django.db import connections

    for _ in range(3):  # warm caches, templates, the connection
        assert client.get(url).status_code == 200, url
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connections[CURRENT["alias"]].execute_wrapper(count):
        rows = rows_shown(client.get(url).content.decode())
    return len(queries), rows


def timed(client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, url
    return elapsed


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def reports_snapshots(sizes: list[int], *, stale: bool) -> None:
    """Refresh the reports' snapshots of every size, as the worker does after each sync (the bench's data
    do not change, but its day does); `stale`: then mark them out of date, as a change of the data does."""
    from panel import snapshots
    from panel.models import ReportSnapshot
    from panel.snapshots import reports_refresh_usual

    if stale:  # the lease is taken as usual; the task is not queued (django-q2's broker is on "default")
        snapshots.reports_refresh_enqueue = lambda **kwargs: None
    for size in sizes:
        CURRENT["alias"] = f"s{size}"
        reports_refresh_usual()
        if stale:
            ReportSnapshot.objects.update(version="changed", refresh_requested_at=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page and size")
    parser.add_argument("--only", nargs="*", default=[], help="pages whose kind or label contains one of these")
    parser.add_argument("--keep", action="store_true", help="reuse a database that already holds the size")
    parser.add_argument(
        "--uncached",
        action="store_true",
        help="no cache (DummyCache) and no reports snapshot: the reports and alerts computed per request",
    )
    parser.add_argument(
        "--stale", action="store_true", help="the reports' snapshots out of date: each request serves a stale one"
    )
    args = parser.parse_args()
    if args.uncached:
        os.environ["BENCH_UNCACHED"] = "true"
    os.environ["BENCH_SIZES"] = ",".join(str(size) for size in args.sizes)
    base = os.environ["DATABASE_URL"].rstrip("/")
    for size in args.sizes:
        ensure_database(f"{base}_{size}")

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from cases.models import Case

    clients = {}
    for size in args.sizes:
        CURRENT["alias"] = f"s{size}"
        call_command("migrate", database=CURRENT["alias"], verbosity=0)
        if args.keep and Case.objects.count() == size:
            print(f"kept {size:,} cases", file=sys.stderr)
        else:
            started = time.perf_counter()
            fill(size)
            print(f"filled {size:,} cases in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        User = get_user_model()
        user = User.objects.filter(username="bench").first() or User.objects.create_superuser("bench", "", "bench-pw")
        clients[size] = Client()
        clients[size].force_login(user)

    pages = [
        (kind, label, url)
        for kind, label, url in all_pages()
        if not args.only or any(word in f"{kind} {label}" for word in args.only)
    ]
    if not args.uncached and any(label.startswith("reports") for _kind, label, _url in pages):
        reports_snapshots(args.sizes, stale=args.stale)
    urls: dict[tuple[int, str], str] = {}
    counts: dict[tuple[int, str], tuple[int, int]] = {}
    times: dict[tuple[int, str], list[float]] = {}
    for size in args.sizes:
        CURRENT["alias"] = f"s{size}"
        for _kind, _label, url in pages:
            urls[size, url] = page_url(url)
            counts[size, url] = count_queries(clients[size], urls[size, url])
    gc.collect()  # what is loaded stays out of the collector, as in the server (invoicetracker/wsgi.py)
    gc.freeze()
    for _ in range(args.repeat):  # alternate sizes request by request
        for _kind, _label, url in pages:
            for size in args.sizes:
                CURRENT["alias"] = f"s{size}"
                times.setdefault((size, url), []).append(timed(clients[size], urls[size, url]))

    small, large = min(args.sizes), max(args.sizes)
    header = f"{'list':8} {'page':52}" + "".join(f" | {f'{s:,} cases':>31}" for s in args.sizes) + " | p95 ratio"
    print(header)
    print(f"{'':8} {'':52}" + "".join(f" | {'queries rows  median     p95':>31}" for _ in args.sizes) + " |")
    print("-" * len(header))
    for kind, label, url in pages:
        cells = ""
        for size in args.sizes:
            queries, rows = counts[size, url]
            cells += (
                f" | {queries:7d} {rows:4d} {statistics.median(times[size, url]):6.1f}ms {p95(times[size, url]):6.1f}ms"
            )
        ratio = p95(times[large, url]) / p95(times[small, url])
        same = "" if counts[large, url][0] == counts[small, url][0] else "  QUERIES DIFFER"
        # A page the small database cannot fill compares a part of a page with a full one.
        if counts[small, url][1] < counts[large, url][1]:
            same += f"  ROWS {counts[small, url][1]}/{counts[large, url][1]}"
        print(f"{kind:8} {label[:52]:52}{cells} | {ratio:5.2f}x{same}")


if __name__ == "__main__":
    # Run as the module the settings name in DATABASE_ROUTERS, so both share CURRENT.
    from bench.pages import main as bench_main

    bench_main()
