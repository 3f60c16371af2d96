from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.models import ComparisonGroup, Cycle, Publication, Region

from .scores import PublicationBriefSerializer


class GroupSerializer(serializers.ModelSerializer):
    members: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text="Codes of the regions ranked among themselves.")

    class Meta:
        model = ComparisonGroup
        fields = ["code", "name_zh", "name_en", "members"]


class CycleSerializer(serializers.ModelSerializer):
    """A cycle (from `api.selectors.with_versions_and_groups`: its publications in `versions`, latest first)."""

    framework = serializers.CharField(source="framework.code")
    framework_version = serializers.IntegerField(source="framework.version")
    status_label = serializers.CharField(source="get_status_display")
    entry_open = serializers.BooleanField()
    min_participation = serializers.FloatField(
        help_text="The least share (0–1) of participants approved for results to show ranks.")
    separation_of_duties = serializers.BooleanField(
        help_text="The four-eyes rule: whoever entered values or evidence in a submission, or submitted it, cannot "
                  "sign it off; whoever signed it off, entered or submitted it cannot approve it.")
    current_run = serializers.IntegerField(
        source="current_run_id", allow_null=True,
        help_text="The latest computation of the cycle's scores: its results are provisional until published.")
    provisional = serializers.SerializerMethodField(
        help_text="True while no version of the results is published (results/ serves the latest computation).")
    publication = serializers.SerializerMethodField()
    published_run = serializers.SerializerMethodField()
    published_at = serializers.SerializerMethodField()
    groups = GroupSerializer(many=True, read_only=True,
                             help_text="Comparison groups: results/ gives each member's rank in them (`group_ranks`).")

    class Meta:
        model = Cycle
        fields = ["id", "period", "framework", "framework_version", "opens", "closes", "status", "status_label",
                  "entry_open", "min_participation", "separation_of_duties", "current_run", "provisional",
                  "publication", "published_run", "published_at", "groups"]

    def get_provisional(self, cycle: Cycle) -> bool:
        return _latest(cycle) is None

    @extend_schema_field(PublicationBriefSerializer(allow_null=True, help_text=(
        "The latest published version (`cycles/{period}/publications/` lists them all); null while provisional.")))
    def get_publication(self, cycle: Cycle) -> dict[str, Any] | None:
        latest = _latest(cycle)
        return None if latest is None else PublicationBriefSerializer(latest).data

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text=(
        "The score run of the latest published version; null while provisional.")))
    def get_published_run(self, cycle: Cycle) -> int | None:
        latest = _latest(cycle)
        return None if latest is None else latest.run_id

    @extend_schema_field(serializers.DateTimeField(allow_null=True, help_text=(
        "When the latest version was published; null while provisional.")))
    def get_published_at(self, cycle: Cycle) -> str | None:
        latest = _latest(cycle)
        return None if latest is None else serializers.DateTimeField().to_representation(latest.published_at)


def _latest(cycle: Cycle) -> Publication | None:
    """The cycle's latest publication, from the `versions` that `api.selectors.with_versions_and_groups` prefetches."""
    versions: list[Publication] = getattr(cycle, "versions", [])
    return versions[0] if versions else None
