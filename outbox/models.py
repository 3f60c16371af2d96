"""The record of every piece of background work the platform owes (the transactional outbox).

A job is written in the same transaction as the action that asks for it, so it exists exactly when the action
committed; Celery only carries the news that a job is due. A lost message, a broker outage or a killed worker
delays a job and never drops it: the sweeper (outbox.services.jobs_sweep, run by Celery beat) sends again what is
due and not running, and takes back what a dead worker held once its lease has run out.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

OPEN_STATES = ("pending", "running")


class Job(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=60, help_text=_("The registered work, e.g. scores.compute."))
    key = models.CharField(_("key"), max_length=120,
                           help_text=_("What the job is about, e.g. score-run:42: one open job per key."))
    args = models.JSONField(_("arguments"), default=dict, blank=True)
    queue = models.CharField(_("queue"), max_length=60, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    due_at = models.DateTimeField(_("due at"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("last sent at"), null=True, blank=True)
    dispatches = models.PositiveIntegerField(_("times sent"), default=0)
    attempts = models.PositiveIntegerField(_("times started"), default=0)
    failures = models.PositiveIntegerField(
        _("failures"), default=0, help_text=_("Times it raised an error or lost its worker; past the limit it fails."))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True,
                                       help_text=_("A running job whose lease has run out lost its worker."))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True,
                             help_text=_("Kept once the job is done: why an earlier attempt did not finish."))
    request_id = models.CharField(_("request id"), max_length=64, blank=True,
                                  help_text=_("The web request that asked for the work, to follow it in the logs."))

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "due_at"], name="outbox_job_state_due")]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=Q(state__in=OPEN_STATES),
                                    name="outbox_job_one_open_per_key"),
            models.CheckConstraint(condition=Q(state__in=["pending", "running", "done", "failed"]),
                                   name="outbox_job_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.state})"
