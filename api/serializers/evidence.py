from django.core.validators import RegexValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.evidence import ACCEPTED_LABEL, max_megabytes
from assessments.models import Evidence, Submission
from assessments.services.evidence import GENERAL

from .submissions import INDICATOR_CODE


class EvidenceSerializer(serializers.ModelSerializer):
    indicator = serializers.SerializerMethodField()
    file_name = serializers.CharField(source="original_name", help_text="The file's name as uploaded (made safe).")
    content_type = serializers.CharField(help_text="Read from the file's content, never from its name.")
    size = serializers.IntegerField(help_text="In bytes.")
    sha256 = serializers.CharField(help_text="SHA-256 of the content, hexadecimal.")
    uploaded_by = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "indicator", "file_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at",
                  "download"]

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="The indicator's code; null for evidence "
                                                                          "on the submission as a whole."))
    def get_indicator(self, evidence: Evidence) -> str | None:
        return evidence.indicator.code if evidence.indicator is not None else None

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="Who uploaded it (null once the account "
                                                                          "is gone)."))
    def get_uploaded_by(self, evidence: Evidence) -> str | None:
        user = evidence.uploaded_by
        return (user.get_full_name() or user.get_username()) if user is not None else None

    def get_download(self, evidence: Evidence) -> str:
        """The path of the file itself."""
        return reverse("api:submission-evidence-download", args=[evidence.submission_id, evidence.pk])


class EvidenceInSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False,
                                 help_text=f"The file: {ACCEPTED_LABEL}, its type read from its content; at most "
                                           f"{max_megabytes()} MB.")
    indicator = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=20, trim_whitespace=False,
        validators=[RegexValidator(rf"\A(?:{GENERAL}|{INDICATOR_CODE.pattern.strip('^$')})\Z",
                                   _("Not an indicator of this framework."))],
        help_text=f"The indicator it supports (its code); omitted, empty or `{GENERAL}`: the submission as a whole.")

    def validate_indicator(self, code: str) -> str | None:
        """A code of the submission's framework (the service checks it again under its lock)."""
        if not code or code == GENERAL:
            return None
        submission: Submission = self.context["submission"]
        if not submission.cycle.framework.indicators.filter(code=code).exists():
            raise serializers.ValidationError(_("Not an indicator of this framework."))
        return code
