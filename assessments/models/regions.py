"""The region register — trees of regions with their codes (China's administrative divisions, GB/T 2260 / NBS;
countries grouped for an international index) — and who holds which role where.

A code names one region for as long as it is valid. When a code stops being valid (撤县设区, a merger), its row
is closed, not deleted: `valid_to` says since when, `successor` what replaced it; submissions and results of
past cycles keep pointing at it, with the code and name they were assessed under. When a region keeps its code
but changes its name, the old name is kept in `RegionName` with the date it stopped being used.
"""

import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from indicators.models import BilingualName

REGION_CODE = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{1,19}$",
    _("Use a code of 2 to 20 capital letters, digits or hyphens: a six-digit GB/T 2260 code, an ISO 3166 "
      "alpha-3 country code, or the code of a group of regions."),
)


class RegionQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None) -> "RegionQuerySet":
        """Regions whose code is valid on `on` (today when None)."""
        if on is None:
            return self.filter(valid_to__isnull=True)
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on),
                           Q(valid_to__isnull=True) | Q(valid_to__gt=on))


class Region(BilingualName):
    class Level(models.TextChoices):
        GROUP = "group", _("Group of regions")
        COUNTRY = "country", _("Country")
        PROVINCE = "province", _("Province-level division")
        PREFECTURE = "prefecture", _("Prefecture-level division")
        COUNTY = "county", _("County-level division")

    code = models.CharField(_("code"), max_length=20, unique=True, validators=[REGION_CODE])
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    province = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("province-level division"),
        help_text=_("The province, autonomous region or municipality the region lies in (itself for one of them); "
                    "what a provincial role covers. Set by the register."),
    )
    tree = models.CharField(_("register"), max_length=20, default="CN",
                            help_text=_("The register the region belongs to, e.g. CN for China's divisions."))
    edition = models.CharField(_("edition"), max_length=40, blank=True,
                               help_text=_("The edition of the register the region was last loaded from."))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True,
                                help_text=_("Empty while the code is in use; the day it stopped being valid."))
    successor = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="predecessors",
        verbose_name=_("replaced by"),
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        indexes = [models.Index(fields=["tree", "level"], name="region_tree_level"),
                   models.Index(fields=["province", "level"], name="region_province_level")]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=["group", "country", "province", "prefecture", "county"]),
                name="region_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(level__in=["group", "country"]) | Q(parent__isnull=False),
                name="region_parent_below_country",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_from__lt=F("valid_to")),
                name="region_valid_period_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class RegionName(models.Model):
    """A name a region had before it was renamed (its code unchanged), up to the day it stopped being used."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="former_names")
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    valid_until = models.DateField(_("used until"), help_text=_("The first day of the new name."))
    edition = models.CharField(_("edition"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("former name")
        verbose_name_plural = _("former names")
        ordering = ["region", "-valid_until"]
        constraints = [models.UniqueConstraint(fields=["region", "valid_until"], name="region_name_once_per_day")]

    def __str__(self):
        return f"{self.name_zh} (→ {self.valid_until})"


class RoleAssignment(models.Model):
    class Role(models.TextChoices):
        CITY_OFFICER = "city_officer", _("City data-entry officer")
        CITY_REVIEWER = "city_reviewer", _("City reviewer")
        PROVINCE_ANALYST = "province_analyst", _("Provincial reviewer and analyst")
        PROVINCE_COORDINATOR = "province_coordinator", _("Provincial coordinator")
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


class Person(models.Model):
    """What the platform keeps about a user beyond Django's account: how to reach them, and their invitation."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person")
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    invited_at = models.DateTimeField(_("last invited at"), null=True, blank=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("invited by"))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True,
                                help_text=_("The language the person last chose: their pages speak it on every "
                                            "device and after the browser is closed."))

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return str(self.user)
