"""Django's exception reporter (DEFAULT_EXCEPTION_REPORTER), which renders its technical 500 page, with our page
in its place (smartgov.error_pages) unless a developer asked for the technical pages.

A module of its own, importing next to nothing: Django imports the reporter while it configures logging (its
e-mail handler), before the apps are loaded, when smartgov.error_pages cannot be imported yet.
"""

import json

from django.conf import settings
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django.views.debug import ExceptionReporter

from .errors import error_body


def technical_pages() -> bool:
    """Whether a developer asked for Django's technical error pages: DEBUG on and DEBUG_TECHNICAL_PAGES."""
    return bool(settings.DEBUG and getattr(settings, "DEBUG_TECHNICAL_PAGES", False))


class PageExceptionReporter(ExceptionReporter):
    """Django asks for its technical 500 (or 400) page only with DEBUG on, for an exception nothing else answered
    (one raised by a middleware, a SuspiciousOperation; a view's are answered by ErrorPagesMiddleware): our page
    instead, as the handlers give it with DEBUG off; the status stays Django's (500, or 400). E-mailed reports
    keep Django's text (`is_email`)."""

    def _ours(self) -> HttpRequest | None:
        """The request to answer with our page, or None for Django's."""
        if self.is_email or technical_pages():
            return None
        return self.request

    def get_traceback_html(self) -> SafeString:
        request = self._ours()
        if request is None:
            return super().get_traceback_html()
        from .error_pages import response_for  # not at the top: see the module's docstring

        return mark_safe(response_for(request, self.exc_value).content.decode())  # noqa: S308 - our rendered page

    def get_traceback_text(self) -> SafeString:
        """For a client that does not accept HTML (a JSON request, say): the one error body."""
        if self._ours() is None:
            return super().get_traceback_text()
        from .error_pages import error_for  # not at the top: see the module's docstring

        return mark_safe(json.dumps(error_body(error_for(self.exc_value)), ensure_ascii=False))  # noqa: S308 - text
