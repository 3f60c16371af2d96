"""The language switch: Django's own (a cookie kept for a year), and for a signed-in person their profile too, so
that the choice survives a closed browser and follows them to another device (`assessments.middleware`, at login)."""

from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from ..services.people import person_language_set


@require_POST
def language_set(request):
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and response.cookies.get("django_language"):
        person_language_set(person=request.user, language=language)
    return response
