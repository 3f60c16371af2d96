"""The method: versioned frameworks of dimensions, indicators and maturity bands.

A published framework is immutable. Services refuse the edit with a clear message, and database triggers
(migration 0002) refuse it again for any path that bypasses the services.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from smartgov.i18n import localised

from .scoring import check_consistency
from .scoring.spec import GEOMETRIC_FLOOR
from .vocabulary import (
    AGGREGATIONS,
    CONTROLS,
    DATA_TYPES,
    DIRECTIONS,
    INDICATOR_CLASSES,
    LABELS,
    NORMALISATIONS,
    OPERATORS,
    PROVENANCES,
    RULE_OPERATORS,
    SEVERITIES,
    TREATMENTS,
    WEIGHTINGS,
)


def _text_choices(qualname, members):
    """TextChoices built from a vocabulary of `indicators.vocabulary`: `members` are (name, value, label)."""
    return models.TextChoices(qualname.rpartition(".")[2], [(name, (value, label)) for name, value, label in members],
                              module=__name__, qualname=qualname)


def _vocabulary_choices(qualname, vocabulary, values):
    """Choices named VALUE for each value, in the vocabulary's order, labelled (translated) from `LABELS`."""
    labels = LABELS[vocabulary]
    return _text_choices(qualname, [(value.upper(), value, _(labels[value])) for value in values])


class BilingualName(models.Model):
    """Texts kept in Chinese and English; `name` follows the active language."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    @property
    def name(self):
        return localised(self.name_zh, self.name_en)


class Framework(BilingualName):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    Aggregation = _vocabulary_choices("Framework.Aggregation", "aggregation", AGGREGATIONS)
    Weighting = _vocabulary_choices("Framework.Weighting", "weighting", WEIGHTINGS)

    code = models.SlugField(_("code"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    aggregation = models.CharField(
        _("aggregation"), max_length=12, choices=Aggregation.choices, default=Aggregation.ARITHMETIC
    )
    weighting = models.CharField(_("weighting"), max_length=12, choices=Weighting.choices, default=Weighting.EXPERT)
    entropy_standardise = models.BooleanField(_("standardise before entropy weighting"), default=True)
    combine_alpha = models.FloatField(_("share of subjective weight"), default=0.5)
    min_share = models.FloatField(_("least share of weight present"), default=0.75)
    anomaly_threshold = models.FloatField(
        _("change since last period that needs an explanation"), default=0.5,
        help_text=_("Relative change, e.g. 0.5 for more than 50 %."),
    )
    rank_decimals = models.PositiveSmallIntegerField(_("decimals of the index when ranking"), null=True, blank=True)
    geometric_floor = models.FloatField(
        _("floor of the geometric mean"), default=GEOMETRIC_FLOOR,
        help_text=_("With geometric aggregation, scores below this many points count as this many."),
    )
    dimension_pairwise = models.JSONField(_("AHP matrix of the dimensions"), null=True, blank=True)
    outlier_skew = models.FloatField(
        _("outlier rule: absolute skewness"), default=2.0,
        help_text=_("Values have outliers when their absolute skewness and their kurtosis both reach these."))
    outlier_kurtosis = models.FloatField(_("outlier rule: kurtosis"), default=3.5)
    sensitivity = models.JSONField(
        _("declared sensitivity analysis"), null=True, blank=True,
        help_text=_("The uncertain inputs of the score runs' sensitivity analysis (docs/framework-format.md); "
                    "empty: weights ±20 % and the normalisation."))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="framework_code_version_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published", "retired"]), name="framework_status_valid"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="framework_version_positive"),
            models.CheckConstraint(
                condition=Q(combine_alpha__gte=0, combine_alpha__lte=1), name="framework_combine_alpha_range"
            ),
            models.CheckConstraint(condition=Q(min_share__gt=0, min_share__lte=1), name="framework_min_share_range"),
            models.CheckConstraint(condition=Q(anomaly_threshold__gt=0), name="framework_anomaly_threshold_positive"),
            models.CheckConstraint(condition=Q(geometric_floor__gt=0, geometric_floor__lte=100),
                                   name="framework_geometric_floor_range"),
            models.CheckConstraint(condition=Q(outlier_skew__gt=0), name="framework_outlier_skew_positive"),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"

    @property
    def is_editable(self):
        return self.status == self.Status.DRAFT

    def clean(self):
        if self.dimension_pairwise is not None and self.pk:
            _check_matrix(self.dimension_pairwise, self.dimensions.count(), "dimensions", "dimension_pairwise")


def _check_matrix(matrix, size, name, field):
    """Refuse an AHP matrix of the wrong size, or one whose consistency ratio reaches 0.10."""
    try:
        if len(matrix) != size:
            raise ValueError(f"must be a {size}×{size} matrix")
        check_consistency(matrix, name)
    except (TypeError, ValueError) as error:
        raise ValidationError({field: str(error)}) from error


class Dimension(BilingualName):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="dimensions")
    code = models.CharField(_("code"), max_length=20)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    weight = models.FloatField(_("weight"))
    pairwise = models.JSONField(_("AHP matrix of the indicators"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")
        ordering = ["framework", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="dimension_code_unique"),
            models.CheckConstraint(condition=Q(weight__gte=0, weight__lte=1), name="dimension_weight_range"),
        ]

    def clean(self):
        if self.pairwise is not None and self.pk:
            _check_matrix(self.pairwise, self.indicators.count(), f"dimension {self.code}", "pairwise")


class Indicator(BilingualName):
    DataType = _vocabulary_choices("Indicator.DataType", "data_type", DATA_TYPES)
    Direction = _vocabulary_choices("Indicator.Direction", "direction", DIRECTIONS)
    Normalisation = _vocabulary_choices("Indicator.Normalisation", "normalisation", NORMALISATIONS)

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="indicators")
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("code"), max_length=20)
    definition_zh = models.TextField(_("definition (Chinese)"))
    definition_en = models.TextField(_("definition (English)"))
    unit_zh = models.CharField(_("unit (Chinese)"), max_length=40, blank=True)
    unit_en = models.CharField(_("unit (English)"), max_length=40, blank=True)
    data_type = models.CharField(_("data type"), max_length=10, choices=DataType.choices, default=DataType.NUMBER)
    direction = models.CharField(_("direction"), max_length=6, choices=Direction.choices, default=Direction.HIGHER)
    normalisation = models.CharField(
        _("normalisation"), max_length=16, choices=Normalisation.choices, default=Normalisation.MINMAX_FIXED
    )
    Treatment = _vocabulary_choices("Indicator.Treatment", "outlier_treatment", TREATMENTS)
    outlier_method = models.CharField(_("outlier treatment"), max_length=10, choices=Treatment.choices,
                                      default=Treatment.NONE)
    outlier_max_points = models.PositiveSmallIntegerField(_("most values winsorised per period"), default=5)
    goalpost_lower = models.FloatField(_("lower goalpost"), null=True, blank=True)
    goalpost_upper = models.FloatField(_("upper goalpost"), null=True, blank=True)
    target = models.FloatField(_("target"), null=True, blank=True)
    weight = models.FloatField(_("weight within the dimension"))
    min_value = models.FloatField(_("smallest valid value"), null=True, blank=True)
    max_value = models.FloatField(_("largest valid value"), null=True, blank=True)
    source = models.CharField(_("source standard"), max_length=500)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    IndicatorClass = _vocabulary_choices("Indicator.IndicatorClass", "indicator_class", INDICATOR_CLASSES)
    Provenance = _vocabulary_choices("Indicator.Provenance", "provenance", PROVENANCES)
    Control = _vocabulary_choices("Indicator.Control", "control", CONTROLS)
    # Null, "not declared" as in the file, and no check constraint: a nullable column without a default is added
    # in place, where a default or a constraint makes SQLite rebuild the table — which the statement triggers of
    # the result tables (assessments.db_references), naming this table, refuse. The file's schema checks values.
    indicator_class = models.CharField(_("class"), max_length=8, choices=IndicatorClass.choices, null=True,
                                       blank=True, help_text=_("Empty: not declared."))
    provenance = models.CharField(_("provenance"), max_length=20, choices=Provenance.choices, null=True,
                                  blank=True, help_text=_("Where the value comes from. Empty: not declared."))
    control = models.CharField(_("control"), max_length=8, choices=Control.choices, null=True,
                               blank=True, help_text=_("Empty: not declared."))
    calibration = models.TextField(_("calibration of the goalposts"), null=True, blank=True,
                                   help_text=_("The published figures the goalposts were set from."))
    applies_to = models.JSONField(_("region levels assessed"), null=True, blank=True,
                                  help_text=_("Empty: every level."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["framework", "dimension__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="indicator_code_unique"),
            models.CheckConstraint(condition=Q(weight__gte=0, weight__lte=1), name="indicator_weight_range"),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True) | Q(min_value__lte=F("max_value")),
                name="indicator_valid_range_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(normalisation="minmax_fixed")
                | Q(goalpost_lower__lt=F("goalpost_upper")),
                name="indicator_fixed_goalposts_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(normalisation="target") | Q(target__isnull=False), name="indicator_target_present"
            ),
            models.CheckConstraint(condition=Q(direction__in=list(DIRECTIONS)), name="indicator_direction_valid"),
            models.CheckConstraint(condition=Q(outlier_method__in=list(TREATMENTS)),
                                   name="indicator_outlier_method_valid"),
            models.CheckConstraint(condition=Q(outlier_max_points__gte=1), name="indicator_outlier_max_points_min"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def definition(self):
        return localised(self.definition_zh, self.definition_en)

    @property
    def unit(self):
        return localised(self.unit_zh, self.unit_en)

    def applies_at(self, level: str) -> bool:
        """Whether a region of `level` is assessed on this indicator."""
        return self.applies_to is None or level in self.applies_to


class MaturityBand(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="bands")
    level = models.PositiveSmallIntegerField(_("level"))
    min_score = models.FloatField(_("lowest index of the level"))
    label_zh = models.CharField(_("label (Chinese)"), max_length=60)
    label_en = models.CharField(_("label (English)"), max_length=60)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    gates = models.JSONField(_("least score of each dimension"), null=True, blank=True,
                             help_text=_("Dimension code → the least score the level requires. Empty: none."))

    class Meta:
        verbose_name = _("maturity band")
        verbose_name_plural = _("maturity bands")
        ordering = ["framework", "level"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "level"], name="band_level_unique"),
            models.UniqueConstraint(fields=["framework", "min_score"], name="band_min_score_unique"),
            models.CheckConstraint(condition=Q(min_score__gte=0, min_score__lte=100), name="band_min_score_range"),
            models.CheckConstraint(condition=Q(level__gte=1), name="band_level_positive"),
        ]

    def __str__(self):
        return f"L{self.level} {self.label}"

    @property
    def label(self):
        return localised(self.label_zh, self.label_en)


class CrossRule(models.Model):
    """A check between indicators of one submission, e.g. the sum of some ≤ another (no code is evaluated).

    An `error` must be corrected before sign-off; a `warning` needs an explanation in the values' notes.
    """

    Operator = _text_choices("CrossRule.Operator", [(op.name, op.code, op.symbol) for op in OPERATORS.values()])
    Severity = _vocabulary_choices("CrossRule.Severity", "severity", SEVERITIES)

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="rules")
    code = models.CharField(_("code"), max_length=20)
    left = models.JSONField(_("indicators summed on the left"))
    operator = models.CharField(_("operator"), max_length=2, choices=Operator.choices)
    right = models.JSONField(_("indicators summed on the right"), default=list, blank=True)
    constant = models.FloatField(_("constant added on the right"), default=0)
    severity = models.CharField(_("severity"), max_length=7, choices=Severity.choices, default=Severity.ERROR)
    message_zh = models.CharField(_("message (Chinese)"), max_length=300)
    message_en = models.CharField(_("message (English)"), max_length=300)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("cross-indicator rule")
        verbose_name_plural = _("cross-indicator rules")
        ordering = ["framework", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="rule_code_unique"),
            models.CheckConstraint(condition=Q(operator__in=list(RULE_OPERATORS)), name="rule_operator_valid"),
            models.CheckConstraint(condition=Q(severity__in=list(SEVERITIES)), name="rule_severity_valid"),
        ]

    def __str__(self):
        return f"{self.code}: {' + '.join(self.left)} {self.operator} {' + '.join([*self.right, f'{self.constant:g}'])}"

    @property
    def message(self):
        return localised(self.message_zh, self.message_en)
