"""A partial index on the failed e-mails' cases, for the health alert "e-mails that failed on active
cases" (syncstatus/health.py, recomputed every minute the panel or the reports are open; issue 13):
the count reads the failed e-mails' case ids from this small index alone and probes the cases'
(status, id) index, instead of fetching every failed row of the 300,000-row log. SQL only.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("notifications", "0008_reminder_message_list_indexes")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS notification_failed_case_idx ON notifications_notification (case_id) "
            "WHERE status = 'failed'",
            "DROP INDEX IF EXISTS notification_failed_case_idx",
        )
    ]
