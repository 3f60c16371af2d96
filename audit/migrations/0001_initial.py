"""The append-only audit table, filled with the events that `assessments.AuditEvent` held, under the new
action names; then the triggers that refuse changing or deleting a row."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from audit import db_triggers

RENAMED = {
    "value_set": "value_changed",
    "submission_submit": "submission_submitted",
    "submission_send_back": "submission_sent_back",
    "submission_sign_off": "submission_signed_off",
    "submission_return": "submission_returned",
    "submission_approve": "submission_approved",
    "submission_reopen": "submission_reopened",
    "questionnaire_create": "questionnaire_created",
    "questionnaire_save": "questionnaire_edited",
    "questionnaire_weighting": "questionnaire_weighting_set",
    "questionnaire_publish": "questionnaire_published",
    "questionnaire_close": "questionnaire_closed",
    "satisfaction_import": "satisfaction_imported",
    "satisfaction_import_remove": "satisfaction_import_removed",
}


def copy_events(apps, schema_editor):
    """Every old event, in order, with its action renamed and its subject object (a framework, a
    questionnaire) held as a target."""
    Old = apps.get_model("assessments", "AuditEvent")
    New = apps.get_model("audit", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = {}

    def content_type(app_label, model):
        if model not in types:
            types[model] = ContentType.objects.get_or_create(app_label=app_label, model=model)[0]
        return types[model]

    questionnaires = dict(apps.get_model("assessments", "Questionnaire").objects.values_list("pk", "region_id"))
    rows = []
    for old in Old.objects.select_related("submission", "framework").order_by("id").iterator():
        action = RENAMED.get(old.action, old.action)
        target_type, target_id, label, subject = None, None, "", old.subject
        region_id = old.submission.region_id if old.submission_id else None
        if old.framework_id is not None:
            target_type, target_id = content_type("indicators", "framework"), old.framework_id
            label = f"{old.framework.name_zh} v{old.framework.version}"
            subject = "status" if action in ("framework_published", "framework_retired") else ""
        elif old.action.startswith("questionnaire_") and old.subject.startswith("questionnaire "):
            target_type = content_type("assessments", "questionnaire")
            target_id, label = int(old.subject.split()[1]), old.subject
            subject = "status" if action in ("questionnaire_published", "questionnaire_closed") else ""
            region_id = questionnaires.get(target_id)
        rows.append(New(
            at=old.at, actor_id=old.actor_id, action=action, region_id=region_id, submission_id=old.submission_id,
            submission_version=old.submission_version, target_type=target_type, target_id=target_id,
            target_label=label, subject=subject, old=old.old, new=old.new, comment=old.comment))
        if len(rows) >= 2000:
            New.objects.bulk_create(rows)
            rows = []
    New.objects.bulk_create(rows)


def create_triggers(apps, schema_editor):
    db_triggers.create(schema_editor)


def drop_triggers(apps, schema_editor):
    db_triggers.drop(schema_editor)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("assessments", "0005_public_satisfaction"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="at")),
                ("action", models.CharField(choices=[('value_changed', 'Value changed'), ('values_imported', 'Values imported from Excel'), ('evidence_added', 'Evidence uploaded'), ('evidence_removed', 'Evidence removed'), ('submission_submitted', 'Submit for city sign-off'), ('submission_sent_back', 'Send back to the data-entry officer'), ('submission_signed_off', 'Sign off and send to the province'), ('submission_returned', 'Return to the city'), ('submission_approved', 'Approve'), ('submission_reopened', 'Reopened'), ('framework_created', 'Framework created'), ('framework_updated', 'Framework updated'), ('framework_published', 'Framework published'), ('framework_retired', 'Framework retired'), ('cycle_created', 'Cycle created'), ('cycle_changed', 'Cycle changed'), ('role_granted', 'Role granted'), ('role_revoked', 'Role revoked'), ('person_created', 'User account created'), ('person_changed', 'User account changed'), ('token_created', 'API token created'), ('token_renamed', 'API token renamed'), ('token_revoked', 'API token revoked'), ('webhook_registered', 'Webhook registered'), ('webhook_changed', 'Webhook changed'), ('questionnaire_created', 'Questionnaire created'), ('questionnaire_edited', 'Questionnaire edited'), ('questionnaire_weighting_set', 'Questionnaire weighting set'), ('questionnaire_published', 'Questionnaire opened for responses'), ('questionnaire_closed', 'Questionnaire closed'), ('satisfaction_imported', 'Citizen ratings imported'), ('satisfaction_import_removed', 'Imported citizen ratings removed'), ('demo_seeded', 'Demo data generated')], max_length=40, verbose_name="action")),
                ("submission_version", models.PositiveIntegerField(
                    blank=True, help_text="The submission's version after this change.", null=True,
                    verbose_name="submission version")),
                ("target_id", models.PositiveBigIntegerField(blank=True, null=True, verbose_name="object id")),
                ("target_label", models.CharField(blank=True, help_text="How the object was called when this happened.",
                                                  max_length=200, verbose_name="object")),
                ("subject", models.CharField(blank=True, help_text="The part of the object concerned: an indicator "
                                             "code, a field.", max_length=100, verbose_name="subject")),
                ("old", models.JSONField(blank=True, null=True, verbose_name="old value")),
                ("new", models.JSONField(blank=True, null=True, verbose_name="new value")),
                ("comment", models.TextField(blank=True, verbose_name="comment")),
                ("actor", models.ForeignKey(
                    blank=True, help_text="Empty for the platform itself (a command, a scheduled task).", null=True,
                    on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL,
                    verbose_name="by")),
                ("region", models.ForeignKey(
                    blank=True, help_text="The region whose data the write concerns, if any.", null=True,
                    on_delete=django.db.models.deletion.PROTECT, related_name="+", to="assessments.region",
                    verbose_name="region")),
                ("submission", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                    related_name="audit_events", to="assessments.submission", verbose_name="submission")),
                ("target_type", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                    to="contenttypes.contenttype", verbose_name="kind of object")),
            ],
            options={
                "verbose_name": "audit event",
                "verbose_name_plural": "audit events",
                "ordering": ["-at", "-id"],
                "indexes": [models.Index(fields=["target_type", "target_id"], name="audit_event_target")],
            },
        ),
        migrations.RunPython(copy_events, migrations.RunPython.noop),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
