"""Notifications keep what happened (a kind and its facts, with the submission or cycle) and are told when read, in
the reader's language. Those made before keep their text: their kind is "text", their message what was written."""

import django.db.models.deletion
from django.db import migrations, models

KINDS = [("text", "Message as written"), ("transition", "Workflow step"), ("cycle_opened", "Cycle opened"),
         ("cycle_closed", "Cycle closed"), ("participant_added", "Region added to a cycle"),
         ("deadline_extended", "Deadline extended"), ("results_published", "Results published"),
         ("reminder", "Reminder")]


def keep_the_written_messages(apps, schema_editor):
    """Every notification made so far is told by its stored text (it needs no cycle: its text names it)."""
    apps.get_model("assessments", "Notification").objects.filter(kind__isnull=True).update(kind="text")


class Migration(migrations.Migration):

    dependencies = [
        ("assessments", "0012_person_language"),
    ]

    operations = [
        migrations.RenameField(model_name="notification", old_name="message", new_name="written"),
        migrations.AlterField(
            model_name="notification",
            name="written",
            field=models.CharField(blank=True, help_text="The text of a notification made before messages were told "
                                                         "in the reader's language.",
                                   max_length=500, verbose_name="message as written"),
        ),
        migrations.AddField(
            model_name="notification",
            name="cycle",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="+", to="assessments.cycle"),
        ),
        migrations.AddField(
            model_name="notification",
            name="facts",
            field=models.JSONField(blank=True, default=dict, help_text="What the message tells, e.g. who took which "
                                                                       "step, the reason, the dates.",
                                   verbose_name="facts"),
        ),
        migrations.AddField(
            model_name="notification",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=20, null=True, verbose_name="kind"),
        ),
        migrations.RunPython(keep_the_written_messages, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=20, verbose_name="kind"),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["text", "transition", "cycle_opened", "cycle_closed",
                                                 "participant_added", "deadline_extended", "results_published",
                                                 "reminder"])),
                name="notification_kind_valid"),
        ),
    ]
