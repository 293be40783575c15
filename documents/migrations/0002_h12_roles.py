from django.db import migrations

GRANTS = {"Staff": ["view_interestnote", "issue_interestnote"], "Managers": ["view_interestnote"]}


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
            *Permission.objects.using(db).filter(content_type__app_label="documents", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial"), ("cases", "0003_roles")]
    operations = [migrations.RunPython(roles, migrations.RunPython.noop)]
