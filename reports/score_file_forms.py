"""The form of the page that scores files without a cycle (`reports.score_file_views`): four uploads, under a size
limit each, and the period to show. The files are read by `indicators.score_file`, never stored."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from indicators.score_file import FRAMEWORK_MAX_BYTES, ScoredFile, score_file
from smartgov.workbooks import human_size

VALUES_MAX_BYTES = 20 * 1024 * 1024
"""Largest values file (about a million rows); the command line takes larger ones."""
GROUPS_MAX_BYTES = 2 * 1024 * 1024
PERIOD_MAX_LENGTH = 40
CSV_TYPES = ".csv,.txt,text/csv,text/plain"
FRAMEWORK_TYPES = ".yaml,.yml,.json,application/json,application/yaml,text/yaml"
LIMITS = {"framework": FRAMEWORK_MAX_BYTES, "values": VALUES_MAX_BYTES, "groups": GROUPS_MAX_BYTES,
          "levels": GROUPS_MAX_BYTES}


class ScoreFileForm(forms.Form):
    framework = forms.FileField(
        label=_("Framework file (YAML or JSON)"),
        widget=forms.ClearableFileInput(attrs={"accept": FRAMEWORK_TYPES}))
    values = forms.FileField(
        label=_("Values (CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": CSV_TYPES}))
    groups = forms.FileField(
        label=_("Comparison groups (CSV, optional)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": CSV_TYPES}))
    levels = forms.FileField(
        label=_("Region levels (CSV, optional)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": CSV_TYPES}))
    period = forms.CharField(
        label=_("Period shown"), required=False, max_length=PERIOD_MAX_LENGTH,
        help_text=_("The period of the ranking and the audit; empty: the latest."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        helps = {
            "framework": gettext("A smartgov-framework/1 file, as exported from the platform or written by hand; at "
                                 "most %(limit)s."),
            "values": gettext("UTF-8 CSV with the columns region, period, indicator, value; at most %(limit)s."),
            "groups": gettext("The columns group, region: one row per member; each group gets its own ranks; at most "
                              "%(limit)s."),
            "levels": gettext("The columns region, level (province, prefecture or county): for a framework whose "
                              "indicators apply at some levels only, each region is assessed on its level's; at "
                              "most %(limit)s."),
        }
        for name, text in helps.items():
            self.fields[name].help_text = text % {"limit": human_size(LIMITS[name])}

    def clean(self):
        data = super().clean()
        for name, limit in LIMITS.items():
            upload = data.get(name)
            if upload is not None and upload.size > limit:
                self.add_error(name, gettext("The file is larger than %(limit)s: %(size)s.") % {
                    "limit": human_size(limit), "size": human_size(upload.size)})
        return data

    def scored(self) -> ScoredFile:
        """The files scored (raises `ScoreFileError`); only for a valid form."""
        data = self.cleaned_data
        groups, levels = data.get("groups"), data.get("levels")
        return score_file(data["framework"].read(), data["values"].read(),
                          groups=groups.read() if groups is not None else None,
                          levels=levels.read() if levels is not None else None,
                          audit_period=data.get("period", "").strip() or None)
