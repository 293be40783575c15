"""Indexes for the e-mail log's admin list on 300,000 rows (PostgreSQL and SQLite; SQL only).

The admin sorts by every column with the primary key as tie-breaker in the same direction
(invoicetracker/admin_site.py: IndexFriendlyOrdering), so one (column, id) index serves a
column both ways and a page reads 100 index entries instead of sorting the whole log. The
search finds a Message-ID by equality. The reports read e-mails sent in a period by `sent_at`.
Written as SQL without a model-state change, like cases 0004, so notifications/models.py
stays as it is for the engineers changing it.
"""

from django.db import migrations

INDEXES = [
    ("notification_created_id_idx", "created_at, id"),
    ("notification_case_id_idx", "case_id, id"),
    ("notification_stage_offset_id_idx", "stage_offset, id"),
    ("notification_status_id_idx", "status, id"),
    ("notification_mode_id_idx", "mode, id"),
    ("notification_attempts_id_idx", "attempts, id"),
    ("notification_sent_id_idx", "sent_at, id"),
    ("notification_reason_id_idx", "reason, id"),
    ("notification_message_id_idx", "message_id"),
]


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_stage_wording")]

    operations = [
        migrations.RunSQL(
            [f"CREATE INDEX IF NOT EXISTS {name} ON notifications_notification ({columns})" for name, columns in INDEXES],
            [f"DROP INDEX IF EXISTS {name}" for name, _columns in INDEXES],
        )
    ]
