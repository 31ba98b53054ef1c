"""Create the fixed vocabularies of outcome classes and model systems."""

from django.db import migrations

from trials.choices import ModelSystemChoices, OutcomeClassChoices


def seed(apps, schema_editor):
    for model_name, choices in (
        ("OutcomeClass", OutcomeClassChoices),
        ("ModelSystem", ModelSystemChoices),
    ):
        model = apps.get_model("trials", model_name)
        for value, label in choices.choices:
            model.objects.get_or_create(
                slug=value.replace("_", "-"), defaults={"name": label}
            )


class Migration(migrations.Migration):
    dependencies = [("trials", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
