"""Public satisfaction is now the `surveys` app: its models leave this app's state and their tables are renamed
(rows, keys and constraints stay as they are); surveys 0001 takes them over."""

from django.db import migrations

MODELS = ("answer", "satisfactionestimate", "hotlinestatistic", "servicerating", "surveyresponse", "question",
          "satisfactionimport", "questionnaire")
"""In an order in which no model is removed before one that points at it."""


class Migration(migrations.Migration):
    dependencies = [("assessments", "0006_audit_trail_moved_to_audit")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable(name=name, table=f"surveys_{name}") for name in MODELS],
            state_operations=[migrations.DeleteModel(name=name) for name in MODELS],
        ),
    ]
