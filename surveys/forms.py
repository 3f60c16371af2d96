"""Forms of the satisfaction pages: creating a questionnaire, its texts and questions, and reading a citizen's
answers from the public form."""

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Cycle, Region
from assessments.permissions import visible_regions

from .masking import mask_personal_data
from .models import Question, Questionnaire
from .selectors import may_manage, question_indicators

COMMENT_LENGTH = 1000
HONEYPOT = "website"


class QuestionnaireCreateForm(forms.Form):
    cycle = forms.ModelChoiceField(Cycle.objects.none(), label=gettext_lazy("Assessment cycle"))
    region = forms.ModelChoiceField(Region.objects.none(), label=gettext_lazy("Region"),
                                    help_text=gettext_lazy("A city, or a province for all its cities."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = Cycle.objects.exclude(status=Cycle.Status.CLOSED).select_related("framework")
        regions = visible_regions(user).filter(level__in=[Region.Level.PROVINCE, Region.Level.PREFECTURE])
        self.fields["region"].queryset = regions.filter(pk__in=[r.pk for r in regions if may_manage(user, r)])

    def clean(self):
        data = super().clean()
        if data.get("cycle") and data.get("region") and Questionnaire.objects.filter(
                cycle=data["cycle"], region=data["region"]).exists():
            raise forms.ValidationError(_("This region already has a questionnaire in this cycle."))
        return data


class QuestionnaireForm(forms.ModelForm):
    class Meta:
        model = Questionnaire
        fields = ["title_zh", "title_en", "intro_zh", "intro_en", "allow_comment"]
        widgets = {"intro_zh": forms.Textarea(attrs={"rows": 3}), "intro_en": forms.Textarea(attrs={"rows": 3})}


class QuestionForm(forms.ModelForm):
    options_text = forms.CharField(
        label=gettext_lazy("Options"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("For a question about the respondent: one option a line, “中文 | English”."))

    class Meta:
        model = Question
        fields = ["order", "kind", "text_zh", "text_en", "indicator", "required"]
        widgets = {"order": forms.NumberInput(attrs={"min": 0}), "text_zh": forms.Textarea(attrs={"rows": 2}),
                   "text_en": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, framework, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = question_indicators(framework)
        self.fields["indicator"].required = False
        if self.instance.pk and self.instance.options:
            self.initial["options_text"] = "\n".join(
                f"{o.get('zh', '')} | {o.get('en', '')}".rstrip(" |") for o in self.instance.options)

    def clean(self):
        data = super().clean()
        options = parse_options(data.get("options_text", ""))
        if data.get("kind") == Question.Kind.SCALE:
            if not data.get("indicator"):
                self.add_error("indicator", _("A satisfaction question feeds one indicator: choose it."))
            options = []
        elif data.get("kind") == Question.Kind.CHOICE:
            data["indicator"] = None
            if len(options) < 2:
                self.add_error("options_text", _("Give at least two options, one a line."))
        data["options"] = options
        return data


def parse_options(text: str) -> list[dict]:
    options = []
    for line in (text or "").splitlines():
        zh, _sep, en = line.partition("|")
        if zh.strip():
            options.append({"zh": zh.strip()[:100], "en": en.strip()[:100], "share": None})
    return options


class BaseQuestionFormSet(forms.BaseInlineFormSet):
    def __init__(self, *args, framework, **kwargs):
        self.framework = framework
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "framework": self.framework}

    def clean(self):
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not any(f.cleaned_data.get("kind") == Question.Kind.SCALE for f in kept):
            raise forms.ValidationError(_("A questionnaire needs at least one satisfaction question."))

    def questions(self) -> list[dict]:
        """The kept questions as plain data, in order."""
        kept = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        kept.sort(key=lambda d: d.get("order") or 0)
        return [{"kind": d["kind"], "text_zh": d["text_zh"], "text_en": d.get("text_en", ""),
                 "indicator": d.get("indicator"), "options": d["options"], "required": d.get("required", False)}
                for d in kept]


QuestionFormSet = forms.inlineformset_factory(
    Questionnaire, Question, form=QuestionForm, formset=BaseQuestionFormSet, extra=1, can_delete=True)


@dataclass
class ParsedResponse:
    answers: dict
    """Question → value (1–5, or the option's number)."""
    region: Region | None
    comment: str
    errors: dict
    """Field name → message; "form" for the whole form."""
    honeypot: bool = False


def parse_response(questionnaire, questions, cities, data) -> ParsedResponse:
    """A citizen's answers from the public form: each question's radio buttons (q<id>, empty or "na" for not
    applicable), the city (a provincial questionnaire), the comment; and whether the hidden field was filled."""
    answers, errors = {}, {}
    for question in questions:
        raw = (data.get(f"q{question.pk}") or "").strip()
        if raw in ("", "na"):
            if question.required:
                errors[f"q{question.pk}"] = _("Please answer this question.")
            continue
        limit = 5 if question.kind == Question.Kind.SCALE else len(question.options)
        if not raw.isdigit() or not 1 <= int(raw) <= limit:
            errors[f"q{question.pk}"] = _("Choose one of the answers.")
            continue
        answers[question] = int(raw)
    if questions and not any(q.kind == Question.Kind.SCALE for q in answers) and "form" not in errors:
        errors["form"] = _("Please rate at least one service.")
    region = questionnaire.region
    if cities:
        region = next((c for c in cities if c.code == data.get("city")), None)
        if region is None:
            errors["city"] = _("Choose your city.")
    comment = (data.get("comment") or "").strip() if questionnaire.allow_comment else ""
    if len(comment) > COMMENT_LENGTH:
        errors["comment"] = _("At most %(limit)d characters.") % {"limit": COMMENT_LENGTH}
    return ParsedResponse(answers, region, mask_personal_data(comment), errors,
                          honeypot=bool((data.get(HONEYPOT) or "").strip()))
