"""A sheet of people applied in the background after its dry run (`assessments.services.people_requests`)."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .file_imports import FileImportRequest


def people_import_path(instance, filename):
    """Under MEDIA_ROOT/people-imports/, which nothing serves; a random name, never the uploader's."""
    return f"people-imports/{uuid.uuid4().hex}"


class PeopleImportRequest(FileImportRequest):
    """The apply of a sheet of people whose dry run a coordinator has seen, asked for in the background, and how
    it went: its progress, the accounts created, the roles given and the invitations sent, or why nothing was
    imported (the dry run is out of date, the file has errors…). The file is kept, privately, only until the job
    has run. An invitation is recorded without its link (`invitations`: the person, whether it was e-mailed, when
    its token was made and the token's SHA-256), so that no usable link is stored; the page makes the same link
    again while it still works."""

    class Stage(models.TextChoices):
        CHECKING = "checking", _("Checking the rows again")
        WRITING = "writing", _("Creating the accounts, the roles and the invitations")

    file = models.FileField(_("stored file"), upload_to=people_import_path, max_length=200, blank=True,
                            help_text=_("Empty once the file is no longer needed."))
    fingerprint = models.CharField(_("fingerprint of the dry run"), max_length=64,
                                   help_text=_("Of the dry run the coordinator saw: the import is refused if the "
                                               "file would now do anything else."))
    base_url = models.CharField(_("site address"), max_length=200,
                                help_text=_("The address the invitation links start with."))
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True, help_text=_("Rows read from the file."))
    created = models.PositiveIntegerField(_("accounts created"), null=True, blank=True)
    granted = models.PositiveIntegerField(_("roles given"), null=True, blank=True)
    unchanged = models.PositiveIntegerField(_("rows unchanged"), null=True, blank=True,
                                            help_text=_("Rows whose person held the role already."))
    invitations = models.JSONField(_("invitations"), default=list, blank=True,
                                   help_text=_("[person id, e-mailed, when the link's token was made, its SHA-256] of "
                                               "each new account; never the link."))

    class Meta:
        verbose_name = _("people import request")
        verbose_name_plural = _("people import requests")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-requested_at"], name="people_import_request_recent")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["queued", "running", "succeeded", "failed"]),
                                   name="people_import_request_status"),
            models.CheckConstraint(condition=Q(stage__in=["", "checking", "writing"]),
                                   name="people_import_request_stage"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="people_import_request_progress"),
            # A dry run is applied once: asked again (a second click), the first request answers.
            models.UniqueConstraint(fields=["requested_by", "fingerprint"], condition=~Q(status="failed"),
                                    name="people_import_request_once"),
        ]

    def __str__(self):
        return f"{self.file_name} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
