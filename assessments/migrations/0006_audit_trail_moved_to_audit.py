"""The audit trail now lives in the `audit` app (append-only); its events were copied there by audit 0001."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0005_public_satisfaction"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.DeleteModel(name="AuditEvent"),
    ]
