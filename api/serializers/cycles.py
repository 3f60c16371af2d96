from rest_framework import serializers

from assessments.models import Cycle


class CycleSerializer(serializers.ModelSerializer):
    framework = serializers.CharField(source="framework.code")
    framework_version = serializers.IntegerField(source="framework.version")
    status_label = serializers.CharField(source="get_status_display")
    entry_open = serializers.BooleanField()
    current_run = serializers.IntegerField(source="current_run_id", allow_null=True,
                                           help_text="The score run whose results are published, if any.")
    published_at = serializers.DateTimeField(source="current_run.finished_at", allow_null=True, default=None)

    class Meta:
        model = Cycle
        fields = ["id", "period", "framework", "framework_version", "opens", "closes", "status", "status_label",
                  "entry_open", "current_run", "published_at"]
