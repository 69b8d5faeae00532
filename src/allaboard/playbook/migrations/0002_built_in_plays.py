"""Load the built-in playbook (data/plays.toml): one play per strategy, with the rules that recommend it."""

from django.db import migrations


def load(apps, schema_editor):
    from allaboard.playbook.library import ensure_library

    ensure_library(apps.get_model("playbook", "Play"), apps.get_model("playbook", "Rule"))


def unload(apps, schema_editor):
    apps.get_model("playbook", "Play").objects.filter(built_in=True).delete()


class Migration(migrations.Migration):
    dependencies = [("playbook", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
