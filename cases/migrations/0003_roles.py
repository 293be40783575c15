"""The two roles: "Staff" act on cases, "Managers" read cases and sync reports and change nothing.

Users also need is_staff=True to open the admin; the groups decide what they may do
there and in /cases/. Running the migration again (or on a database where an
administrator added permissions by hand) only adds what is missing.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# app label -> model -> permission codenames
STAFF = {
    "cases": {
        "case": ["view", "change"],
        "client": ["view", "change"],
        "invoice": ["view", "change"],
        "caseevent": ["view"],
        "reminderstage": ["view", "change"],
    },
    "notifications": {"notification": ["view", "change", "send_manual"], "reminderrun": ["view"]},
    "syncstatus": {"syncrun": ["view", "run_sync"], "skippedrecord": ["view"]},
}
MANAGERS = {
    "cases": {
        "case": ["view"],
        "client": ["view"],
        "invoice": ["view"],
        "caseevent": ["view"],
        "reminderstage": ["view"],
    },
    "notifications": {"notification": ["view"], "reminderrun": ["view"]},
    "syncstatus": {"syncrun": ["view"], "skippedrecord": ["view"]},
}
CUSTOM = {"run_sync", "send_manual"}
GROUPS = {"Staff": STAFF, "Managers": MANAGERS}


def create_roles(apps, schema_editor):
    db = schema_editor.connection.alias
    # Permissions are normally created after `migrate` ends (post_migrate); create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=db)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in GROUPS.items():
        group, _created = Group.objects.using(db).get_or_create(name=name)
        for app_label, models in grants.items():
            for model, actions in models.items():
                codenames = [a if a in CUSTOM else f"{a}_{model}" for a in actions]
                perms = Permission.objects.using(db).filter(
                    content_type__app_label=app_label, content_type__model=model, codename__in=codenames
                )
                found = set(perms.values_list("codename", flat=True))
                missing = set(codenames) - found
                if missing:
                    raise RuntimeError(f"Missing permissions for {app_label}.{model}: {sorted(missing)}")
                group.permissions.add(*perms)


def delete_roles(apps, schema_editor):
    db = schema_editor.connection.alias
    apps.get_model("auth", "Group").objects.using(db).filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("cases", "0002_default_stages"),
        ("notifications", "0002_reminder_runs"),  # Notification.send_manual, ReminderRun
        ("syncstatus", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
