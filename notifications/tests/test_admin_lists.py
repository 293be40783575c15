"""The e-mail log's admin list at any size: a constant number of queries for every sort, search and filter;
the search finds e-mails by their case (invoice number, client) or Message-ID; sorts read an index both ways."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override as translation_override

from cases.models import ReminderStage
from cases.tests.conftest import make_case, make_client, stages  # noqa: F401 (fixture)
from notifications.models import Notification

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/notifications/notification/"


def make_log(n_cases: int, *, client_name: str = "Kowalski Budownictwo Sp. z o.o.") -> list[Notification]:
    email = f"biuro@{client_name.split()[0].lower()}.pl"
    client = make_client(client_name, nip=f"{5261040828 + n_cases}", emails=(email,))
    stage_list = list(ReminderStage.objects.order_by("offset_days"))
    rows = []
    now = timezone.now()
    for i in range(n_cases):
        case = make_case(client=client, number=f"FV/{client_name[:3]}/{i}", last_stage_offset=stage_list[1].offset_days)
        for j, stage in enumerate(stage_list[:3]):
            sent = j < 2
            rows.append(
                Notification(
                    case=case, stage=stage, stage_offset=stage.offset_days, send_date=now.date(),
                    status=Notification.Status.SENT if sent else Notification.Status.SKIPPED,
                    reason="" if sent else Notification.Reason.PASSED_OVER, recipients=["biuro@kowalski.pl"],
                    message_id=f"<{case.pk}.{stage.pk}@test>" if sent else "", sent_at=now - timedelta(days=j),
                    attempts=1 if sent else 0, subject=f"{stage.name}: {case.invoice.number}", body_text="x" * 2000,
                )
            )  # fmt: skip
    return Notification.objects.bulk_create(rows)


def pages(admin) -> list[str]:
    """The default list, every sortable column both ways, a search, the filters and the date hierarchy."""
    from django.contrib import admin as django_admin
    from django.test import RequestFactory

    model_admin = django_admin.site._registry[Notification]
    request = RequestFactory().get("/")
    columns = model_admin.get_list_display(request)
    first = 1  # the action checkbox is column 0
    urls = [CHANGELIST, f"{CHANGELIST}?q=Kowal", f"{CHANGELIST}?q=FV%2FKow%2F3", f"{CHANGELIST}?outcome=error"]
    urls += [f"{CHANGELIST}?status__exact=sent", f"{CHANGELIST}?created_at__year={timezone.now().year}"]
    for index, name in enumerate(columns, start=first):
        attr = getattr(model_admin, name, None)
        if getattr(attr, "admin_order_field", None) or name in {f.name for f in Notification._meta.fields}:
            urls += [f"{CHANGELIST}?o={index}", f"{CHANGELIST}?o=-{index}"]
    return urls


def test_every_list_page_runs_the_same_queries_for_5_and_40_cases(admin_client, stages, django_assert_max_num_queries):  # noqa: F811
    make_log(5)
    counts = {}
    for url in pages(admin_client):
        with django_assert_max_num_queries(12) as captured:
            assert admin_client.get(url).status_code == 200, url
        counts[url] = len(captured)
    make_log(35, client_name="Nowak Handel")
    for url in pages(admin_client):
        with django_assert_max_num_queries(counts[url]):
            assert admin_client.get(url).status_code == 200, url


def test_the_search_finds_e_mails_by_invoice_number_client_and_message_id(admin_client, stages):  # noqa: F811
    kowalski = make_log(3)
    make_log(2, client_name="Nowak Handel")

    def found(q: str) -> set[int]:
        response = admin_client.get(CHANGELIST, {"q": q})
        return {n.pk for n in response.context["cl"].result_list}

    assert found("Kowalski") == {n.pk for n in kowalski}
    assert found("FV/Kow/1") == {n.pk for n in kowalski if n.case.invoice.number == "FV/Kow/1"}
    one = kowalski[0]
    assert found(one.message_id) == {one.pk}
    assert found(one.message_id.strip("<>")) == {one.pk}
    assert found("biuro@kowalski.pl") == {n.pk for n in kowalski}  # a word with "@": the client's e-mail too
    assert found("Zieliński") == set()


def test_an_ascending_sort_breaks_ties_by_id_ascending_so_one_index_serves_both_ways(admin_client, stages):  # noqa: F811
    make_log(2)
    columns = admin_client.get(CHANGELIST).context["cl"].list_display  # "action_checkbox" first
    index = columns.index("status")
    up = admin_client.get(CHANGELIST, {"o": str(index)}).context["cl"]
    down = admin_client.get(CHANGELIST, {"o": f"-{index}"}).context["cl"]
    assert re.search(r"ORDER BY .*\"status\" ASC, .*\"id\" ASC", str(up.result_list.query))
    assert re.search(r"ORDER BY .*\"status\" DESC, .*\"id\" DESC", str(down.result_list.query))


def test_the_date_hierarchy_lists_the_months_with_e_mails(admin_client, stages):  # noqa: F811
    make_log(1)
    year = timezone.localtime().year
    html = admin_client.get(CHANGELIST, {"created_at__year": year}).content.decode()
    assert f"created_at__month={timezone.localtime().month}" in html


def _messages(client_name: str, n: int):
    from notifications.models import ReminderMessage

    client = make_client(client_name, nip=f"{5261040828 + n + len(client_name)}", emails=("biuro@x.pl",))
    now = timezone.now()
    return ReminderMessage.objects.bulk_create(
        ReminderMessage(
            client=client, status="sent", mode="auto", send_date=now.date(), recipients=["biuro@x.pl"],
            subject=f"Wezwanie do zapłaty: FV/{client_name[:3]}/{i}", items=f"{1000 + i}:+14",
            message_id=f"<{client_name[:3]}.{i}@test>", sent_at=now,
        )
        for i in range(n)
    )  # fmt: skip


@pytest.mark.parametrize("n", [3, 30])
def test_the_reminder_email_log_searches_and_sorts_in_constant_queries(admin_client, n, django_assert_max_num_queries):
    _messages("Kowalski Budownictwo Sp. z o.o.", n)
    _messages("Nowak Handel", 2)
    url = "/admin/notifications/remindermessage/"
    with django_assert_max_num_queries(9):
        by_client = admin_client.get(url, {"q": "Kowal"}).content.decode()
    assert by_client.count("FV/Kow/") == n  # the client's e-mails, found through its name
    assert "FV/Now/" not in by_client
    by_subject = admin_client.get(url, {"q": "FV/Now/1"}).content.decode()
    assert "FV/Now/1" in by_subject
    assert "FV/Kow/" not in by_subject
    by_id = admin_client.get(url, {"q": "<Now.0@test>"}).content.decode()
    assert "FV/Now/0" in by_id
    assert "FV/Now/1" not in by_id
    for order in range(1, 9):
        with django_assert_max_num_queries(9):
            assert admin_client.get(url, {"o": f"-{order}"}).status_code == 200


# --- A word that finds more than the capped count (issue 13) --------------------------------------------


@pytest.fixture
def cap_of_five(monkeypatch):
    """The cap the lists count a search to (1000 in use), small enough for a test's log."""
    import common.admin_search

    monkeypatch.setattr(common.admin_search, "SEARCH_COUNT_CAP", 5)


def _log_ids(response) -> list[int]:
    return [row.pk for row in response.context["cl"].result_list]


def test_a_common_word_shows_the_same_first_page_and_says_more_than_the_cap(admin_client, stages, cap_of_five):  # noqa: F811
    kowalski = make_log(4)  # 12 e-mails: more than the cap of 5
    make_log(1, client_name="Nowak Handel")  # 3 e-mails
    expected = sorted(kowalski, key=lambda n: (n.created_at, n.pk), reverse=True)
    response = admin_client.get(CHANGELIST, {"q": "Kowalski"})
    assert _log_ids(response) == [n.pk for n in expected]  # every match, newest first, as before
    html = response.content.decode()
    assert "ponad 5 wyników" in html
    assert "Powiadomienia: ponad 5 (zawęź wyszukiwanie)" in html
    assert f"created_at__year={timezone.localtime().year}" in html  # the date bar, through its index
    rare = admin_client.get(CHANGELIST, {"q": "Nowak"})
    assert "ponad" not in rare.content.decode()
    assert "3 wyniki" in rare.content.decode()
    with translation_override("en"):
        english = admin_client.get(CHANGELIST, {"q": "Kowalski"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "more than 5 results" in english


def test_a_common_word_finds_the_same_e_mails_in_the_reminder_log(admin_client, cap_of_five):
    kowalski = _messages("Kowalski Budownictwo Sp. z o.o.", 8)
    _messages("Nowak Handel", 2)
    url = "/admin/notifications/remindermessage/"
    response = admin_client.get(url, {"q": "Kowal"})
    assert sorted(_log_ids(response)) == sorted(m.pk for m in kowalski)
    assert "ponad 5 wyników" in response.content.decode()
    few = admin_client.get(url, {"q": "FV/Kow/3"})
    assert _log_ids(few) == [kowalski[3].pk]
    assert "ponad" not in few.content.decode()


@pytest.mark.parametrize("n", [2, 12])
def test_a_common_and_a_rare_word_run_the_same_queries(
    admin_client,
    stages,  # noqa: F811
    n,
    cap_of_five,
    django_assert_max_num_queries,
):
    make_log(n)  # 6 e-mails (over the cap) or 36
    for q in ("Kowalski", "FV/Kow/1"):
        with django_assert_max_num_queries(8):
            assert admin_client.get(CHANGELIST, {"q": q}).status_code == 200
        with django_assert_max_num_queries(9):
            assert admin_client.get("/admin/notifications/remindermessage/", {"q": q}).status_code == 200


def test_the_reminder_email_log_filters_by_status_and_mode_without_reading_the_log_for_them(admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.models import ReminderMessage

    sent = _messages("Kowalski Budownictwo Sp. z o.o.", 3)
    ReminderMessage.objects.filter(pk=sent[0].pk).update(status="failed", mode="manual")
    url = "/admin/notifications/remindermessage/"
    with CaptureQueriesContext(connection) as captured:
        html = admin_client.get(url).content.decode()
    assert not [q["sql"] for q in captured.captured_queries if "DISTINCT" in q["sql"]]  # the choices are known
    assert "?status=failed" in html
    assert "?mode=manual" in html
    assert _log_ids(admin_client.get(url, {"status": "failed"})) == [sent[0].pk]
    assert _log_ids(admin_client.get(url, {"mode": "manual", "status": "failed"})) == [sent[0].pk]
    assert sorted(_log_ids(admin_client.get(url, {"mode": "auto"}))) == sorted(m.pk for m in sent[1:])
