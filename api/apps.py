from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("REST API")

    def ready(self) -> None:
        from assessments.events import results_recomputed

        from . import schema  # noqa: F401 - registers the OpenAPI extension of the Bearer token authentication
        from .receivers import webhooks_on_results

        results_recomputed.connect(webhooks_on_results, dispatch_uid="api.webhooks_on_results")
