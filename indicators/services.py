"""Writes on frameworks: import (create or update a draft), publish, retire, new version."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import Actor, audit_record
from smartgov.errors import DomainError, ErrorCode

from .framework_file import document_spec, parse_framework
from .models import CrossRule, Dimension, Framework, Indicator, MaturityBand
from .scoring import FrameworkSpec
from .selectors import framework_document


class FrameworkLocked(DomainError):
    """A published or retired framework cannot change; a draft cannot be retired."""

    code = ErrorCode.FRAMEWORK_LOCKED


@dataclass(frozen=True)
class ImportOutcome:
    framework: Framework
    action: str  # "created", "updated" or "unchanged"


@transaction.atomic
def framework_import(*, document: dict[str, Any], actor: Actor | None = None) -> ImportOutcome:
    """Create the framework of a checked document, or bring its draft up to date.

    Importing what is already stored changes nothing; a published or retired framework is never changed.
    """
    document = parse_framework(document)
    framework = Framework.objects.select_for_update().filter(
        code=document["code"], version=document["version"]
    ).first()
    if framework is not None:
        if framework_document(framework) == document:
            return ImportOutcome(framework, "unchanged")
        if not framework.is_editable:
            raise FrameworkLocked(
                _("%(framework)s is %(status)s and cannot be changed; give the file a new version number.")
                % {"framework": f"{framework.code} v{framework.version}", "status": framework.get_status_display()}
            )
    action = "created" if framework is None else "updated"
    framework = _write_framework(framework, document)
    audit_record(actor=actor, action=Action.FRAMEWORK_CREATED if action == "created" else Action.FRAMEWORK_UPDATED,
                 target=framework, new={"dimensions": len(document["dimensions"])})
    return ImportOutcome(framework, action)


def _write_framework(framework: Framework | None, document: dict[str, Any]) -> Framework:
    method = document["method"]
    fields = {
        "name_zh": document["name"]["zh"],
        "name_en": document["name"]["en"],
        "description_zh": document["description"]["zh"],
        "description_en": document["description"]["en"],
        "aggregation": method["aggregation"],
        "weighting": method["weighting"],
        "entropy_standardise": method["entropy_standardise"],
        "combine_alpha": method["combine_alpha"],
        "min_share": method["min_share"],
        "anomaly_threshold": method["anomaly_threshold"],
        "rank_decimals": method["rank_decimals"],
        "geometric_floor": method["geometric_floor"],
        "dimension_pairwise": method["dimension_pairwise"],
        "outlier_skew": method["outlier_rule"]["skew"],
        "outlier_kurtosis": method["outlier_rule"]["kurtosis"],
        "sensitivity": method["sensitivity"],
    }
    framework, _created = Framework.objects.update_or_create(
        code=document["code"], version=document["version"], defaults=fields
    )
    _sync_dimensions(framework, document["dimensions"])
    _sync_bands(framework, document["bands"])
    _sync_rules(framework, document["rules"])
    return framework


def _sync_dimensions(framework: Framework, dimensions: list[dict[str, Any]]) -> None:
    keep_dimensions, keep_indicators = [], []
    for order, item in enumerate(dimensions):
        dimension, _created = Dimension.objects.update_or_create(
            framework=framework, code=item["code"],
            defaults={
                "name_zh": item["name"]["zh"], "name_en": item["name"]["en"],
                "description_zh": item["description"]["zh"], "description_en": item["description"]["en"],
                "weight": item["weight"], "pairwise": item["pairwise"], "order": order,
            },
        )
        keep_dimensions.append(dimension.pk)
        for position, indicator in enumerate(item["indicators"]):
            keep_indicators.append(_write_indicator(framework, dimension, indicator, position).pk)
    framework.indicators.exclude(pk__in=keep_indicators).delete()
    framework.dimensions.exclude(pk__in=keep_dimensions).delete()


def _write_indicator(framework: Framework, dimension: Dimension, item: dict[str, Any], order: int) -> Indicator:
    normalisation = item["normalisation"]
    indicator, _created = Indicator.objects.update_or_create(
        framework=framework, code=item["code"],
        defaults={
            "dimension": dimension,
            "name_zh": item["name"]["zh"], "name_en": item["name"]["en"],
            "definition_zh": item["definition"]["zh"], "definition_en": item["definition"]["en"],
            "unit_zh": item["unit"]["zh"], "unit_en": item["unit"]["en"],
            "data_type": item["data_type"], "direction": item["direction"],
            "normalisation": normalisation["method"],
            "outlier_method": item["outliers"]["method"], "outlier_max_points": item["outliers"]["max_points"],
            "goalpost_lower": normalisation["lower"], "goalpost_upper": normalisation["upper"],
            "target": normalisation["target"],
            "weight": item["weight"],
            "min_value": item["valid_range"][0], "max_value": item["valid_range"][1],
            "source": item["source"], "evidence_required": item["evidence_required"],
            "indicator_class": item["indicator_class"], "provenance": item["provenance"],
            "control": item["control"], "calibration": item["calibration"], "applies_to": item["applies_to"],
            "order": order,
        },
    )
    return indicator


def _sync_bands(framework: Framework, bands: list[dict[str, Any]]) -> None:
    framework.bands.all().delete()
    MaturityBand.objects.bulk_create(
        MaturityBand(
            framework=framework, level=band["level"], min_score=band["min_score"],
            label_zh=band["label"]["zh"], label_en=band["label"]["en"],
            description_zh=band["description"]["zh"], description_en=band["description"]["en"],
            gates=band["gates"] or None,
        )
        for band in bands
    )


def _sync_rules(framework: Framework, rules: list[dict[str, Any]]) -> None:
    framework.rules.all().delete()
    CrossRule.objects.bulk_create(
        CrossRule(
            framework=framework, code=rule["code"], left=rule["left"], operator=rule["operator"],
            right=rule["right"], constant=rule["constant"], severity=rule["severity"],
            message_zh=rule["message"]["zh"], message_en=rule["message"]["en"], order=order,
        )
        for order, rule in enumerate(rules)
    )


@transaction.atomic
def framework_publish(*, framework: Framework, actor: Actor | None = None) -> Framework:
    """Freeze a draft so that cycles can be scored with it; it is checked once more first."""
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    if framework.status != Framework.Status.DRAFT:
        raise FrameworkLocked(_("Only a draft can be published; this framework is %(status)s.")
                              % {"status": framework.get_status_display()})
    parse_framework(framework_document(framework))
    framework.status = Framework.Status.PUBLISHED
    framework.published_at = timezone.now()
    framework.save(update_fields=["status", "published_at"])
    audit_record(actor=actor, action=Action.FRAMEWORK_PUBLISHED, target=framework, subject="status",
                 old="draft", new="published")
    return framework


@transaction.atomic
def framework_retire(*, framework: Framework, actor: Actor | None = None) -> Framework:
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    if framework.status != Framework.Status.PUBLISHED:
        raise FrameworkLocked(_("Only a published framework can be retired."))
    framework.status = Framework.Status.RETIRED
    framework.save(update_fields=["status"])
    audit_record(actor=actor, action=Action.FRAMEWORK_RETIRED, target=framework, subject="status",
                 old="published", new="retired")
    return framework


@transaction.atomic
def framework_new_version(*, framework: Framework, actor: Actor | None = None) -> Framework:
    """A draft copy with the next free version number: the way to change a published framework."""
    document = framework_document(framework)
    latest = Framework.objects.filter(code=framework.code).order_by("-version").values_list("version", flat=True)[0]
    document["version"] = latest + 1
    return framework_import(document=document, actor=actor).framework


def framework_spec(framework: Framework) -> FrameworkSpec:
    return document_spec(framework_document(framework))
