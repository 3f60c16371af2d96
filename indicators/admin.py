from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from smartgov.admin_base import ShownOnly
from smartgov.errors import DomainError

from .framework_file import FrameworkFileError, dump_framework, load_framework_text
from .models import CrossRule, Dimension, Framework, Indicator, MaturityBand
from .selectors import framework_document
from .services import framework_import, framework_new_version, framework_publish, framework_retire


class DimensionInline(ShownOnly, admin.TabularInline):
    model = Dimension
    fields = ["order", "code", "name_zh", "name_en", "weight"]
    extra = 0


class BandInline(ShownOnly, admin.TabularInline):
    model = MaturityBand
    fields = ["level", "min_score", "label_zh", "label_en"]
    extra = 0


class CrossRuleInline(ShownOnly, admin.TabularInline):
    model = CrossRule
    fields = ["order", "code", "left", "operator", "right", "constant", "severity", "message_zh"]
    extra = 0


class FrameworkImportForm(forms.Form):
    file = forms.FileField(label=_("Framework file (YAML or JSON)"))
    publish = forms.BooleanField(label=_("Publish after import"), required=False)


@admin.register(Framework)
class FrameworkAdmin(ShownOnly, admin.ModelAdmin):
    """A framework is written only from its file, through the services, which check the whole method and audit
    the change: import a file (a new draft, or a draft brought up to date), publish, retire, new version. Here
    it is shown. To change a draft, export it, edit the file and import it again."""

    list_display = ["code", "version", "name_zh", "name_en", "status", "weighting", "aggregation", "published_at"]
    list_filter = ["status", "weighting", "aggregation"]
    search_fields = ["code", "name_zh", "name_en"]
    readonly_fields = ["status", "published_at", "created_at"]
    inlines = [DimensionInline, BandInline, CrossRuleInline]
    actions = ["publish", "retire", "new_version", "export_yaml"]
    change_list_template = "admin/indicators/framework/change_list.html"

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="indicators_framework_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        form = FrameworkImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                document = load_framework_text(form.cleaned_data["file"].read().decode("utf-8"))
                outcome = framework_import(document=document, actor=request.user)
                if form.cleaned_data["publish"] and outcome.framework.is_editable:
                    framework_publish(framework=outcome.framework, actor=request.user)
            except UnicodeDecodeError:
                form.add_error("file", _("The file is not UTF-8 text."))
            except FrameworkFileError as error:
                for field, reason in error.errors:
                    form.add_error("file", f"{field}: {reason}")
            except DomainError as error:
                form.add_error("file", str(error))
            else:
                self.message_user(request, _("Framework %(framework)s: %(action)s.")
                                  % {"framework": outcome.framework, "action": outcome.action}, messages.SUCCESS)
                return redirect("admin:indicators_framework_changelist")
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.model._meta,
                   "title": _("Import a framework")}
        return render(request, "admin/indicators/framework/import.html", context)

    def _each(self, request, queryset, service):
        for framework in queryset:
            try:
                service(framework=framework, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{framework}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{framework}: {_('done')}", messages.SUCCESS)

    @admin.action(description=_("Publish the selected drafts"))
    def publish(self, request, queryset):
        self._each(request, queryset, framework_publish)

    @admin.action(description=_("Retire the selected frameworks"))
    def retire(self, request, queryset):
        self._each(request, queryset, framework_retire)

    @admin.action(description=_("Create a new draft version"))
    def new_version(self, request, queryset):
        self._each(request, queryset, framework_new_version)

    @admin.action(description=_("Export as YAML"))
    def export_yaml(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one framework to export."), messages.WARNING)
            return None
        framework = queryset.get()
        response = HttpResponse(dump_framework(framework_document(framework)),
                                content_type="application/x-yaml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{framework.code}-v{framework.version}.yaml"'
        return response


@admin.register(Dimension)
class DimensionAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "weight", "framework"]
    list_filter = ["framework"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Indicator)
class IndicatorAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "dimension", "unit_zh", "direction", "normalisation", "weight"]
    list_filter = ["framework", "dimension__code", "direction", "normalisation", "data_type", "evidence_required"]
    search_fields = ["code", "name_zh", "name_en", "source"]
    list_select_related = ["dimension"]


@admin.register(MaturityBand)
class MaturityBandAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["framework", "level", "min_score", "label_zh", "label_en"]
    list_filter = ["framework"]


@admin.register(CrossRule)
class CrossRuleAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["code", "framework", "severity", "message_zh"]
    list_filter = ["framework", "severity"]
    search_fields = ["code", "message_zh", "message_en"]
