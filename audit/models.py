"""The audit trail: one append-only table of every write that matters, whichever app made it.

Rows are only ever inserted. The queryset refuses `update()` and `delete()`, and database triggers refuse
UPDATE, DELETE and TRUNCATE for any other path (`audit.db_triggers`). What an event is about is held by
foreign keys that protect it (a submission, a region or a user with history cannot be deleted) or, for other
objects, by a content type, an id and the label the object had then (so the row outlives the object).
"""

from typing import Any, NoReturn, TypeAlias

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

Region: TypeAlias = Any
"""An `assessments.Region`, as the annotations of this app name it: it sits below the others and imports none."""
Submission: TypeAlias = Any
"""An `assessments.Submission` (see `Region`)."""


class Action(models.TextChoices):
    """What happened, always in the past tense. The value is stored; never rename one."""

    VALUE_CHANGED = "value_changed", _("Value changed")
    VALUES_IMPORTED = "values_imported", _("Values imported from Excel")
    EVIDENCE_ADDED = "evidence_added", _("Evidence uploaded")
    EVIDENCE_REMOVED = "evidence_removed", _("Evidence removed")
    SUBMISSION_SUBMITTED = "submission_submitted", _("Submit for city sign-off")
    SUBMISSION_SENT_BACK = "submission_sent_back", _("Send back to the data-entry officer")
    SUBMISSION_SIGNED_OFF = "submission_signed_off", _("Sign off and send to the province")
    SUBMISSION_RETURNED = "submission_returned", _("Return to the city")
    SUBMISSION_APPROVED = "submission_approved", _("Approve")
    SUBMISSION_REOPENED = "submission_reopened", _("Reopened")
    FRAMEWORK_CREATED = "framework_created", _("Framework created")
    FRAMEWORK_UPDATED = "framework_updated", _("Framework updated")
    FRAMEWORK_PUBLISHED = "framework_published", _("Framework published")
    FRAMEWORK_RETIRED = "framework_retired", _("Framework retired")
    CYCLE_CREATED = "cycle_created", _("Cycle created")
    CYCLE_CHANGED = "cycle_changed", _("Cycle changed")
    CYCLE_OPENED = "cycle_opened", _("Cycle opened")
    CYCLE_CLOSED = "cycle_closed", _("Cycle closed")
    CYCLE_PUBLISHED = "cycle_published", _("Results published")
    CYCLE_REVISED = "cycle_revised", _("Published results revised")
    PARTICIPANTS_ADDED = "participants_added", _("Participants added")
    DEADLINE_EXTENDED = "deadline_extended", _("Deadline extended")
    GROUPS_SET = "groups_set", _("Comparison groups set")
    REMINDERS_SCHEDULED = "reminders_scheduled", _("Reminders scheduled")
    REMINDERS_SENT = "reminders_sent", _("Reminders sent")
    REGIONS_LOADED = "regions_loaded", _("Region register loaded")
    ROLE_GRANTED = "role_granted", _("Role granted")
    ROLE_REVOKED = "role_revoked", _("Role revoked")
    PERSON_CREATED = "person_created", _("User account created")
    PERSON_CHANGED = "person_changed", _("User account changed")
    PERSON_INVITED = "person_invited", _("Invitation sent")
    PEOPLE_IMPORTED = "people_imported", _("People imported")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_RENAMED = "token_renamed", _("API token renamed")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    WEBHOOK_REGISTERED = "webhook_registered", _("Webhook registered")
    WEBHOOK_CHANGED = "webhook_changed", _("Webhook changed")
    QUESTIONNAIRE_CREATED = "questionnaire_created", _("Questionnaire created")
    QUESTIONNAIRE_EDITED = "questionnaire_edited", _("Questionnaire edited")
    QUESTIONNAIRE_WEIGHTING_SET = "questionnaire_weighting_set", _("Questionnaire weighting set")
    QUESTIONNAIRE_PUBLISHED = "questionnaire_published", _("Questionnaire opened for responses")
    QUESTIONNAIRE_CLOSED = "questionnaire_closed", _("Questionnaire closed")
    SATISFACTION_IMPORTED = "satisfaction_imported", _("Citizen ratings imported")
    SATISFACTION_IMPORT_REMOVED = "satisfaction_import_removed", _("Imported citizen ratings removed")
    DEMO_SEEDED = "demo_seeded", _("Demo data generated")
    REPORT_REQUESTED = "report_requested", _("Report requested")


SUBMISSION_STATUS_ACTIONS = (
    Action.SUBMISSION_SUBMITTED, Action.SUBMISSION_SENT_BACK, Action.SUBMISSION_SIGNED_OFF,
    Action.SUBMISSION_RETURNED, Action.SUBMISSION_APPROVED, Action.SUBMISSION_REOPENED,
)
EVIDENCE_ACTIONS = (Action.EVIDENCE_ADDED, Action.EVIDENCE_REMOVED)


class AppendOnly(Exception):
    """Raised on any attempt to change or remove an audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnly("audit events cannot be changed")

    def delete(self) -> NoReturn:
        raise AppendOnly("audit events cannot be deleted")


class AuditEvent(models.Model):
    """One write that matters: who, when, what, about which object, the old and the new value."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("by"), help_text=_("Empty for the platform itself (a command, a scheduled task)."),
    )
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    region = models.ForeignKey(
        "assessments.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("region"), help_text=_("The region whose data the write concerns, if any."),
    )
    submission = models.ForeignKey(
        "assessments.Submission", on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events",
        verbose_name=_("submission"),
    )
    submission_version = models.PositiveIntegerField(
        _("submission version"), null=True, blank=True, help_text=_("The submission's version after this change.")
    )
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("kind of object"),
    )
    target_id = models.PositiveBigIntegerField(_("object id"), null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    target_label = models.CharField(_("object"), max_length=200, blank=True,
                                    help_text=_("How the object was called when this happened."))
    subject = models.CharField(_("subject"), max_length=100, blank=True,
                               help_text=_("The part of the object concerned: an indicator code, a field."))
    old = models.JSONField(_("old value"), null=True, blank=True)
    new = models.JSONField(_("new value"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_event_target")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.target_label or self.subject}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly("audit events cannot be deleted")
