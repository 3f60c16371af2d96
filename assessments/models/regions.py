"""Regions (GB/T 2260 / ISO 3166) and who holds which role where."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from indicators.models import BilingualName

REGION_CODE = RegexValidator(
    r"^(\d{6}|[A-Z]{3})$", _("Use a six-digit GB/T 2260 code or an ISO 3166 alpha-3 country code.")
)


class Region(BilingualName):
    class Level(models.TextChoices):
        COUNTRY = "country", _("Country")
        PROVINCE = "province", _("Province")
        CITY = "city", _("Prefecture-level city")
        COUNTY = "county", _("County")

    code = models.CharField(_("code"), max_length=6, unique=True, validators=[REGION_CODE])
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=["country", "province", "city", "county"]), name="region_level_valid"
            ),
            models.CheckConstraint(
                condition=(Q(level="country") & Q(parent__isnull=True))
                | (~Q(level="country") & Q(parent__isnull=False)),
                name="region_parent_unless_country",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class RoleAssignment(models.Model):
    class Role(models.TextChoices):
        CITY_OFFICER = "city_officer", _("City data-entry officer")
        CITY_REVIEWER = "city_reviewer", _("City reviewer")
        PROVINCE_ANALYST = "province_analyst", _("Provincial reviewer and analyst")
        PLATFORM_ADMIN = "platform_admin", _("Platform administrator")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="role_assignments",
        verbose_name=_("region"),
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region"], name="role_assignment_unique"),
            models.CheckConstraint(
                condition=(Q(role="platform_admin") & Q(region__isnull=True))
                | (~Q(role="platform_admin") & Q(region__isnull=False)),
                name="role_region_unless_admin",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.region or '—'}"
