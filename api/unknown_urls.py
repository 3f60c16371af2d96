"""Every path under /api/ that is not one of v1's (`/api/`, `/api/v2/…`, `/api/v1` without its slash): a 404 in
the error format, never a page or a redirect. Mounted by smartgov/urls.py after /api/v1/."""

from django.urls import re_path

from .views.base import no_such_endpoint

urlpatterns = [re_path(r"^(?P<rest>[\s\S]*)\Z", no_such_endpoint)]
