"""Reads on frameworks shared by the admin, the commands, the scoring pipeline and the API."""

from typing import Any

from django.db.models import Prefetch

from .framework_file import FORMAT
from .models import Dimension, Framework, Indicator


def framework_with_contents(framework_id: int) -> Framework:
    """A framework with its dimensions, indicators and bands in three queries more."""
    return Framework.objects.prefetch_related(
        Prefetch("dimensions", queryset=Dimension.objects.order_by("order").prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.order_by("order")))),
        "bands",
        "rules",
    ).get(pk=framework_id)


def framework_document(framework: Framework) -> dict[str, Any]:
    """The canonical file document of a stored framework (what export writes)."""
    framework = framework_with_contents(framework.pk)

    def pair(obj: object, field: str) -> dict[str, str]:
        return {"zh": getattr(obj, f"{field}_zh"), "en": getattr(obj, f"{field}_en")}

    return {
        "format": FORMAT,
        "code": framework.code,
        "version": framework.version,
        "name": pair(framework, "name"),
        "description": pair(framework, "description"),
        "method": {
            "aggregation": framework.aggregation,
            "weighting": framework.weighting,
            "entropy_standardise": framework.entropy_standardise,
            "combine_alpha": framework.combine_alpha,
            "min_share": framework.min_share,
            "anomaly_threshold": framework.anomaly_threshold,
            "rank_decimals": framework.rank_decimals,
            "geometric_floor": framework.geometric_floor,
            "dimension_pairwise": framework.dimension_pairwise,
            "outlier_rule": {"skew": framework.outlier_skew, "kurtosis": framework.outlier_kurtosis},
            "sensitivity": framework.sensitivity,
        },
        "dimensions": [
            {
                "code": dimension.code,
                "name": pair(dimension, "name"),
                "description": pair(dimension, "description"),
                "weight": dimension.weight,
                "pairwise": dimension.pairwise,
                "indicators": [
                    {
                        "code": indicator.code,
                        "name": pair(indicator, "name"),
                        "definition": pair(indicator, "definition"),
                        "unit": pair(indicator, "unit"),
                        "data_type": indicator.data_type,
                        "direction": indicator.direction,
                        "normalisation": {
                            "method": indicator.normalisation,
                            "lower": indicator.goalpost_lower,
                            "upper": indicator.goalpost_upper,
                            "target": indicator.target,
                        },
                        "outliers": {"method": indicator.outlier_method,
                                     "max_points": indicator.outlier_max_points},
                        "weight": indicator.weight,
                        "valid_range": [indicator.min_value, indicator.max_value],
                        "source": indicator.source,
                        "evidence_required": indicator.evidence_required,
                        "indicator_class": indicator.indicator_class,
                        "provenance": indicator.provenance,
                        "control": indicator.control,
                        "applies_to": indicator.applies_to,
                        "calibration": indicator.calibration,
                    }
                    for indicator in dimension.indicators.all()
                ],
            }
            for dimension in framework.dimensions.all()
        ],
        "rules": [
            {
                "code": rule.code, "left": rule.left, "operator": rule.operator, "right": rule.right,
                "constant": rule.constant, "severity": rule.severity, "message": pair(rule, "message"),
            }
            for rule in framework.rules.all()
        ],
        "bands": [
            {
                "level": band.level,
                "min_score": band.min_score,
                "label": pair(band, "label"),
                "description": pair(band, "description"),
                "gates": band.gates or {},
            }
            for band in framework.bands.all()
        ],
    }


DEFAULT_FRAMEWORK_CODE = "smartgov-maturity"


def default_framework() -> Framework | None:
    """The latest published version of the platform's own framework, or None before it is loaded."""
    return (
        Framework.objects.filter(code=DEFAULT_FRAMEWORK_CODE, status=Framework.Status.PUBLISHED)
        .order_by("-version")
        .first()
    )
