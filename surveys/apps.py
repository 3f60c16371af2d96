from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Public satisfaction")

    def ready(self) -> None:
        from . import jobs  # noqa: F401 - registers the background work (satisfaction imports)
