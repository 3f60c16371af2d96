from rest_framework import serializers

from indicators.models import Framework, Indicator
from indicators.scoring.spec import REGION_LEVELS
from indicators.vocabulary import CONTROLS, INDICATOR_CLASSES, PROVENANCES

from .common import BilingualSerializer


class FrameworkSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Framework
        fields = ["code", "version", "name_zh", "name_en", "status", "aggregation", "weighting", "published_at"]


class OutlierRuleSerializer(serializers.Serializer):
    skew = serializers.FloatField()
    kurtosis = serializers.FloatField()


class OutlierTreatmentSerializer(serializers.Serializer):
    method = serializers.ChoiceField(Indicator.Treatment.choices)
    max_points = serializers.IntegerField(min_value=1)


class UncertainWeightsSerializer(serializers.Serializer):
    range = serializers.FloatField(min_value=0, max_value=1)
    level = serializers.ChoiceField([("indicator", "indicator"), ("dimension", "dimension")])


class SensitivitySerializer(serializers.Serializer):
    """The declared sensitivity analysis (docs/framework-format.md, `method.sensitivity`)."""

    weights = UncertainWeightsSerializer(allow_null=True)
    normalisations = serializers.ListField(child=serializers.CharField())
    aggregations = serializers.ListField(child=serializers.CharField())
    imputation = serializers.BooleanField()
    outliers = serializers.JSONField(help_text="false, true (toggle the declared treatments) or a treatment "
                                               "{method, max_points}.")
    exclusion = serializers.BooleanField()
    samples = serializers.IntegerField(allow_null=True)
    seed = serializers.IntegerField(allow_null=True)


class MethodSerializer(serializers.Serializer):
    aggregation = serializers.ChoiceField(Framework.Aggregation.choices)
    weighting = serializers.ChoiceField(Framework.Weighting.choices)
    entropy_standardise = serializers.BooleanField()
    combine_alpha = serializers.FloatField()
    geometric_floor = serializers.FloatField()
    min_share = serializers.FloatField()
    anomaly_threshold = serializers.FloatField()
    rank_decimals = serializers.IntegerField(allow_null=True)
    dimension_pairwise = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()),
                                               allow_null=True)
    outlier_rule = OutlierRuleSerializer()
    sensitivity = SensitivitySerializer(allow_null=True, help_text="null: the default analysis (weights ±20 % and "
                                                                   "the normalisation).")


class NormalisationSerializer(serializers.Serializer):
    method = serializers.CharField()
    lower = serializers.FloatField(allow_null=True)
    upper = serializers.FloatField(allow_null=True)
    target = serializers.FloatField(allow_null=True)


class IndicatorDocumentSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = BilingualSerializer()
    definition = BilingualSerializer()
    unit = BilingualSerializer()
    data_type = serializers.CharField()
    direction = serializers.CharField()
    normalisation = NormalisationSerializer()
    outliers = OutlierTreatmentSerializer()
    weight = serializers.FloatField()
    valid_range = serializers.ListField(child=serializers.FloatField(allow_null=True), min_length=2, max_length=2,
                                        help_text="[smallest, largest] valid value; null where unbounded.")
    # A declared field, not Field.source: DRF's metaclass takes it off the class (the stubs cannot tell).
    source = serializers.CharField(allow_blank=True)  # type: ignore[assignment]
    evidence_required = serializers.BooleanField()
    indicator_class = serializers.ChoiceField(choices=INDICATOR_CLASSES, allow_null=True,
                                              help_text="input, process or outcome; null: not declared.")
    provenance = serializers.ChoiceField(choices=PROVENANCES, allow_null=True,
                                         help_text="Where the value comes from; null: not declared.")
    control = serializers.ChoiceField(choices=CONTROLS, allow_null=True, help_text=(
        "local: the government assessed controls it; vertical: 上级/国垂 systems decide it; null: not declared."))
    applies_to = serializers.ListField(child=serializers.ChoiceField(choices=REGION_LEVELS), allow_null=True,
                                       help_text="The region levels it is assessed at; null: every level.")
    calibration = serializers.CharField(allow_null=True, help_text="The published figures the goalposts were "
                                                                   "set from; null: not declared.")


class DimensionDocumentSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = BilingualSerializer()
    description = BilingualSerializer()
    weight = serializers.FloatField()
    pairwise = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()), allow_null=True)
    indicators = IndicatorDocumentSerializer(many=True)


class RuleDocumentSerializer(serializers.Serializer):
    code = serializers.CharField()
    left = serializers.ListField(child=serializers.CharField())
    operator = serializers.CharField()
    right = serializers.ListField(child=serializers.CharField())
    constant = serializers.FloatField()
    severity = serializers.CharField()
    message = BilingualSerializer()


class BandDocumentSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    min_score = serializers.FloatField()
    # A declared field, not Field.label: DRF's metaclass takes it off the class (the stubs cannot tell).
    label = BilingualSerializer()  # type: ignore[assignment]
    description = BilingualSerializer()
    gates = serializers.DictField(child=serializers.FloatField(), help_text=(
        "Dimension code → the least score the level requires; empty: the index alone decides."))


class FrameworkDocumentSerializer(serializers.Serializer):
    """The framework as its file format has it (docs/framework-format.md), with its status."""

    format = serializers.CharField()
    code = serializers.CharField()
    version = serializers.IntegerField()
    status = serializers.ChoiceField(Framework.Status.choices)
    published_at = serializers.DateTimeField(allow_null=True)
    name = BilingualSerializer()
    description = BilingualSerializer()
    method = MethodSerializer()
    dimensions = DimensionDocumentSerializer(many=True)
    rules = RuleDocumentSerializer(many=True)
    bands = BandDocumentSerializer(many=True)
