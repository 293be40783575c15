"""Indexes for the reminder e-mail log's admin list (one row per e-mail; ~200,000 rows at 100,000 cases).

As for the notification log (0006): the admin sorts by a column with the primary key as tie-breaker in
the same direction, so a (column, id) index serves each sortable column both ways and a page reads 100
index entries instead of sorting the log; the text search on the subject and the items goes through
trigram indexes (PostgreSQL; pg_trgm is created by cases 0005), a Message-ID by equality. SQL only,
no model-state change.
"""

from django.db import migrations

from common.migration_ops import postgresql_indexes

INDEXES = [
    ("remindermessage_created_id_idx", "created_at, id"),
    ("remindermessage_send_date_id_idx", "send_date, id"),
    ("remindermessage_status_id_idx", "status, id"),
    ("remindermessage_mode_id_idx", "mode, id"),
    ("remindermessage_subject_id_idx", "subject, id"),
    ("remindermessage_sent_id_idx", "sent_at, id"),
    ("remindermessage_items_id_idx", "items, id"),
    ("remindermessage_client_id_idx", "client_id, id"),
    ("remindermessage_message_id_idx", "message_id"),
]
TRIGRAM = [
    ("remindermessage_subject_trgm", "subject"),
    ("remindermessage_items_trgm", "items"),
]


class Migration(migrations.Migration):
    dependencies = [("notifications", "0007_r2b_message_view_role"), ("cases", "0005_search_trigram_indexes")]

    operations = [
        migrations.RunSQL(
            [
                f"CREATE INDEX IF NOT EXISTS {name} ON notifications_remindermessage ({columns})"
                for name, columns in INDEXES
            ],
            [f"DROP INDEX IF EXISTS {name}" for name, _columns in INDEXES],
        ),
        postgresql_indexes(
            [
                (name, f"notifications_remindermessage USING gin (UPPER({column}) gin_trgm_ops)")
                for name, column in TRIGRAM
            ]
        ),
    ]
