"""Indexes for the e-mail log's admin list on 300,000 rows (PostgreSQL and SQLite; SQL only).

The admin sorts by every column with the primary key as tie-breaker in the same direction
(invoicetracker/admin_site.py: IndexFriendlyOrdering), so one (column, id) index serves a
column both ways and a page reads 100 index entries instead of sorting the whole log. The
search finds a Message-ID by equality. The reports read the e-mails sent (a period's, per day
and stage; a paid case's last stage) from two partial indexes alone.
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
    # The newest change to the log: part of what the cached reports and alerts depend on.
    ("notification_updated_idx", "updated_at"),
    # The reports: e-mails sent per day and stage, and the last stage sent before a case was paid,
    # read from these small partial indexes alone (index-only scans), not from the wide log rows.
    ("notification_sent_day_stage_idx", "sent_at, stage_id", "status = 'sent'"),
    ("notification_sent_case_offset_idx", "case_id, stage_offset", "status = 'sent'"),
]


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_h10_letter_wording")]

    operations = [
        migrations.RunSQL(
            [
                f"CREATE INDEX IF NOT EXISTS {name} ON notifications_notification ({columns})"
                + (f" WHERE {where[0]}" if where else "")
                for name, columns, *where in INDEXES
            ],
            [f"DROP INDEX IF EXISTS {index[0]}" for index in INDEXES],
        )
    ]
