from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import jobs  # noqa: F401 - registers the background work (score runs, announcements, people imports)
        from .middleware import profile_language_at_login

        user_logged_in.connect(profile_language_at_login, dispatch_uid="assessments.profile_language_at_login")
