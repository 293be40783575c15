"""Staff and managers read the e-mails as sent (the client page and the timeline link to a letter's body)."""

from django.db import migrations

GRANTS = {"Staff": ["view_remindermessage"], "Managers": ["view_remindermessage"]}


def roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    db = schema_editor.connection.alias
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=db)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _created = Group.objects.using(db).get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.using(db).filter(content_type__app_label="notifications", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0006_h13b_list_indexes"), ("cases", "0003_roles")]
    operations = [migrations.RunPython(roles, migrations.RunPython.noop)]
