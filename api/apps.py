from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("REST API")

    def ready(self) -> None:
        from assessments.events import results_published, results_revised

        from . import (
            jobs,  # noqa: F401 - registers the background work (webhook deliveries)
            schema,  # noqa: F401 - registers the OpenAPI extension of the Bearer token authentication
        )
        from .receivers import webhooks_on_publication

        # Only published results are announced: a recompute's results are provisional and send nothing.
        results_published.connect(webhooks_on_publication, dispatch_uid="api.webhooks_on_published")
        results_revised.connect(webhooks_on_publication, dispatch_uid="api.webhooks_on_revised")
