"""Cycles (their participants, deadlines, comparison groups), submissions, their values, evidence, review comments
and notifications."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.models import Framework, Indicator

from .regions import Region


class Cycle(models.Model):
    """One assessment campaign of a framework for a period. Its lifecycle is `assessments.lifecycle`: planned →
    open (with participants, one submission each) → closed → published (one score run frozen as the official
    result; revised by a new publication version)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open for entry")
        CLOSED = "closed", _("Closed")
        PUBLISHED = "published", _("Published")

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="cycles")
    period = models.PositiveSmallIntegerField(_("period (year)"))
    opens = models.DateField(_("opens"))
    closes = models.DateField(_("closes"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    is_demo = models.BooleanField(_("demo data"), default=False)
    min_participation = models.FloatField(
        _("least share of participants approved for ranks"), default=0.0,
        help_text=_("From 0 to 1: below this share of approved participants, results show scores but no ranks."),
    )
    separation_of_duties = models.BooleanField(
        _("separation of duties (four-eyes rule)"), default=True,
        help_text=_("Whoever entered values or evidence in a submission, or submitted it, cannot sign it off; "
                    "whoever signed it off, entered or submitted it cannot approve it."),
    )
    current_run = models.ForeignKey(
        "ScoreRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("latest scores"), help_text=_("The latest computation: provisional until published."),
    )

    class Meta:
        verbose_name = _("assessment cycle")
        verbose_name_plural = _("assessment cycles")
        ordering = ["framework", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "period"], name="cycle_period_unique"),
            models.CheckConstraint(condition=Q(opens__lte=F("closes")), name="cycle_opens_before_closes"),
            models.CheckConstraint(condition=Q(status__in=["planned", "open", "closed", "published"]),
                                   name="cycle_status_valid"),
            models.CheckConstraint(condition=Q(min_participation__gte=0, min_participation__lte=1),
                                   name="cycle_min_participation_share"),
            models.CheckConstraint(condition=Q(period__gte=2000, period__lte=2100), name="cycle_period_plausible"),
        ]

    def __str__(self):
        return f"{self.period} · {self.framework.name}"

    @property
    def entry_open(self) -> bool:
        """Whether participants may enter values and sign off now, without an extension: the cycle is open and
        today is in its window."""
        return self.status == self.Status.OPEN and self.opens <= timezone.localdate() <= self.closes


class ComparisonGroup(models.Model):
    """A named set of a cycle's participants ranked among themselves besides the overall and provincial ranks,
    e.g. 副省级城市, 计划单列市, or the members of an international index."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="groups")
    code = models.SlugField(_("code"), max_length=40)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    members = models.ManyToManyField(Region, related_name="+", verbose_name=_("members"))

    class Meta:
        verbose_name = _("comparison group")
        verbose_name_plural = _("comparison groups")
        ordering = ["cycle", "code"]
        constraints = [models.UniqueConstraint(fields=["cycle", "code"], name="group_code_unique")]

    def __str__(self):
        return f"{self.cycle.period} · {self.name_zh}"

    @property
    def name(self):
        from smartgov.i18n import localised

        return localised(self.name_zh, self.name_en)


class Submission(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting city sign-off")
        SIGNED_OFF = "signed_off", _("Signed off, awaiting provincial review")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", _("Approved")

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="submissions")
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="submissions")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Raised by every save; a save based on an older version is refused.")
    )
    extended_until = models.DateField(_("deadline extended until"), null=True, blank=True)
    extension_reason = models.CharField(_("reason for the extension"), max_length=500, blank=True)
    extended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("extended by"))
    extended_at = models.DateTimeField(_("extended at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["cycle", "region__code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "cycle"], name="submission_region_cycle_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "signed_off", "returned", "approved"]),
                name="submission_status_valid",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="submission_version_positive"),
        ]

    def __str__(self):
        return f"{self.region.name} · {self.cycle.period}"

    @property
    def closes(self) -> datetime.date:
        """The participant's deadline: the cycle's, or its extension."""
        return max(self.cycle.closes, self.extended_until) if self.extended_until else self.cycle.closes

    @property
    def entry_open(self) -> bool:
        """Whether this participant may enter values and sign off now: the cycle is open and today is in its
        window, extension included."""
        cycle = self.cycle
        return cycle.status == Cycle.Status.OPEN and cycle.opens <= timezone.localdate() <= self.closes


class IndicatorValue(models.Model):
    class Source(models.TextChoices):
        FORM = "form", _("Entry form")
        EXCEL = "excel", _("Excel import")
        API = "api", _("API")
        SURVEY = "survey", _("Citizen survey")
        RECORDS = "records", _("System records")
        DEMO = "demo", _("Demo data")

    COMPUTED_SOURCES = (Source.SURVEY, Source.RECORDS)
    """Sources of values the platform computes (citizens' responses, a system's records): changed only by computing
    them again, and evidenced by what they were computed from."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    value = models.FloatField(_("value"))
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.FORM)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(fields=["submission", "indicator"], name="value_submission_indicator_unique"),
        ]

    def __str__(self):
        return f"{self.indicator.code} = {self.value:g}"


def evidence_path(instance, filename):
    return f"evidence/{instance.submission.cycle.period}/{instance.submission.region.code}/{instance.sha256}"


class Evidence(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="evidence")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    file = models.FileField(_("file"), upload_to=evidence_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.original_name


class ReviewComment(models.Model):
    """The province's reason for returning a submission, overall (no indicator) or on one indicator."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="review_comments")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    text = models.TextField(_("comment"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submission_version = models.PositiveIntegerField(_("submission version"))

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["-created_at", "id"]

    def __str__(self):
        return self.text[:60]


class Notification(models.Model):
    """An in-app message to one user (also sent by e-mail when the user has an address). What happened is kept —
    its kind and facts, with the submission or cycle — not a text: the message is told when it is read, in the
    reader's language (`assessments.notification_texts`). Notifications made before that keep their text."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Message as written")
        TRANSITION = "transition", _("Workflow step")
        CYCLE_OPENED = "cycle_opened", _("Cycle opened")
        CYCLE_CLOSED = "cycle_closed", _("Cycle closed")
        PARTICIPANT_ADDED = "participant_added", _("Region added to a cycle")
        DEADLINE_EXTENDED = "deadline_extended", _("Deadline extended")
        RESULTS_PUBLISHED = "results_published", _("Results published")
        REMINDER = "reminder", _("Reminder")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    facts = models.JSONField(_("facts"), default=dict, blank=True,
                             help_text=_("What the message tells, e.g. who took which step, the reason, the dates."))
    written = models.CharField(_("message as written"), max_length=500, blank=True,
                               help_text=_("The text of a notification made before messages were told in the "
                                           "reader's language."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["text", "transition", "cycle_opened", "cycle_closed",
                                                         "participant_added", "deadline_extended",
                                                         "results_published", "reminder"]),
                                   name="notification_kind_valid"),
        ]

    def __str__(self):
        return self.message[:60]

    @property
    def message(self) -> str:
        """What happened, in the active language."""
        from ..notification_texts import notification_message

        return notification_message(self)

    @property
    def indicators(self) -> list[tuple[str, str]]:
        """(code, name in the active language) of the indicators the step concerns, e.g. those commented on when a
        submission is returned."""
        from ..notification_texts import notification_indicators

        return notification_indicators(self)
