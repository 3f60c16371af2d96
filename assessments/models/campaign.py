"""Running a campaign: the reminders coordinators schedule for participants who are behind."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .regions import Region
from .submissions import Cycle


class ReminderSchedule(models.Model):
    """Reminders to a cycle's participants whose submission is not yet approved (in-app and by e-mail), sent by
    the Celery beat service: every `every_days` days at `hour` (Beijing time) from the next such hour, for the
    participants of `province` (all of them when empty)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="reminder_schedules")
    province = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("province"))
    every_days = models.PositiveSmallIntegerField(_("every (days)"), default=7)
    hour = models.PositiveSmallIntegerField(_("at (hour)"), default=9)
    active = models.BooleanField(_("active"), default=True)
    next_at = models.DateTimeField(_("next reminder at"))
    last_sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder schedule")
        verbose_name_plural = _("reminder schedules")
        ordering = ["cycle", "province__code"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "province"], condition=Q(province__isnull=False),
                                    name="reminder_schedule_once_per_province"),
            models.UniqueConstraint(fields=["cycle"], condition=Q(province__isnull=True),
                                    name="reminder_schedule_once_for_all"),
            models.CheckConstraint(condition=Q(every_days__gte=1, every_days__lte=60), name="reminder_every_range"),
            models.CheckConstraint(condition=Q(hour__lte=23), name="reminder_hour_range"),
        ]

    def __str__(self):
        return f"{self.cycle} · {self.province or '—'}"
