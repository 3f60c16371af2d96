"""The forms of the cycles' pages: what the user typed is parsed here, the rules are the services'. A service's
refusal is shown on the form (on its field when it names one), keeping what was typed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from indicators.models import Framework
from smartgov.errors import DomainError
from smartgov.limits import EXTENSION_REASON_MAX_LENGTH

from ..models import Region
from ..services.participants import (
    PARTICIPANT_LEVELS,
    ParticipantSet,
    participant_codes_parse,
    participant_codes_read,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RefusalsForm(forms.Form):
    def refused(self, error: DomainError) -> None:
        """Show a service's refusal: on each field it names that the form has, else above the form."""
        placed = False
        for name, reasons in error.fields.items():
            target = name if name in self.fields else None
            self.add_error(target, [str(reason) for reason in reasons])
            placed = True
        if not placed:
            self.add_error(None, str(error))


class CycleForm(RefusalsForm):
    framework = forms.ModelChoiceField(Framework.objects.none(), label=_("Framework"))
    period = forms.IntegerField(label=_("Period (year)"), min_value=2000, max_value=2100)
    opens = forms.DateField(label=_("Opens"), widget=DATE)
    closes = forms.DateField(label=_("Closes"), widget=DATE)
    min_participation = forms.DecimalField(
        label=_("Least share of participants approved for ranks (%)"), min_value=0, max_value=100, decimal_places=1,
        initial=0, help_text=_("Below this share, results show scores but no ranks."))
    separation_of_duties = forms.BooleanField(
        label=_("Four-eyes rule (separation of duties)"), required=False, initial=True,
        help_text=_("Whoever entered values or evidence in a submission, or submitted it, cannot sign it off; "
                    "whoever signed it off, entered or submitted it cannot approve it."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["framework"].queryset = Framework.objects.filter(status=Framework.Status.PUBLISHED).order_by(
            "code", "-version")

    def share(self) -> float:
        return float(self.cleaned_data["min_participation"]) / 100


class CycleChangeForm(CycleForm):
    """The dates, the minimum participation and the four-eyes rule of an existing cycle (its framework and period
    stay)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["framework"], self.fields["period"]


class ParticipantsForm(RefusalsForm):
    level = forms.ChoiceField(label=_("All regions of the level"), required=False)
    provinces = forms.MultipleChoiceField(label=_("In these provinces (none: all)"), required=False,
                                          widget=forms.CheckboxSelectMultiple)
    codes = forms.CharField(label=_("And/or these regions' codes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 4, "placeholder": "330100 330200\n320100"}),
                            help_text=_("One or more a line, separated by spaces or commas."))
    file = forms.FileField(label=_("Or a file of codes (CSV or .xlsx, first column)"), required=False)

    def __init__(self, *args, provinces=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", "—"), *((level, Region.Level(level).label)
                                                     for level in PARTICIPANT_LEVELS)]
        self.fields["provinces"].choices = [(p.code, p.name) for p in provinces]

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        listed = participant_codes_parse(data.get("codes") or "")
        if upload is not None:
            try:
                listed += participant_codes_read(data=upload.read())
            except DomainError as error:
                self.refused(error)
        data["selection"] = ParticipantSet(level=data.get("level") or "", provinces=tuple(data.get("provinces") or ()),
                                           listed=listed)
        return data


class ExtensionForm(RefusalsForm):
    participant = forms.TypedChoiceField(label=_("Participant"), coerce=int)
    until = forms.DateField(label=_("New deadline"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=EXTENSION_REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, submissions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].choices = [("", "—"), *((s.pk, f"{s.region.name}（{s.region.code}）")
                                                           for s in submissions)]


class ReasonForm(RefusalsForm):
    reason = forms.CharField(label=_("Reason for the revision"), widget=forms.Textarea(attrs={"rows": 3}))
