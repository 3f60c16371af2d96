from rest_framework import serializers

from reports.models import LANGUAGE_CHOICES, Report

from .common import PERIOD_MAX, PERIOD_MIN, RegionBriefSerializer, framework_code, region_code
from .strict import ClosedSerializer, WholeNumber


class ReportSerializer(serializers.ModelSerializer):
    region = RegionBriefSerializer()
    cycle = serializers.IntegerField(source="cycle.period", help_text="The cycle's period (year).")
    framework = serializers.CharField(source="cycle.framework.code")
    status_label = serializers.CharField(source="get_status_display")
    run = serializers.IntegerField(source="run_id", allow_null=True, help_text="The score run reported.")
    download = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["id", "kind", "region", "cycle", "framework", "language", "status", "status_label", "progress",
                  "stage", "error", "run", "pages", "size", "requested_at", "started_at", "finished_at",
                  "download"]

    def get_download(self, report: Report) -> str | None:
        """The path of the PDF once the report succeeded."""
        return f"/api/v1/reports/{report.pk}/download/" if report.status == Report.Status.SUCCEEDED else None


class ReportInSerializer(ClosedSerializer):
    cycle = WholeNumber(min_value=PERIOD_MIN, max_value=PERIOD_MAX, help_text="The cycle's period (year).")
    framework = framework_code(required=False, help_text="Framework code, when several have a cycle that year.")
    region = region_code(help_text="A city (its report) or a province (its summary), e.g. 330100.")
    language = serializers.ChoiceField(LANGUAGE_CHOICES, default="zh-hans")
