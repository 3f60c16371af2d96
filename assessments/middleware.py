"""A person's language follows them to a new browser or device: at login, the language of their profile (the one
they last chose, `views.language`) becomes the browser's language cookie. Decided at login only, so that no other
request reads the profile (nor the database, which may be what is missing)."""

from django.conf import settings

from .models import Person


def profile_language_at_login(sender, request, user, **kwargs) -> None:
    """`user_logged_in`: note the profile's language on the request, for the middleware to answer with."""
    if request is not None and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        language = Person.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
        if language:
            request.profile_language = language


class ProfileLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        language = getattr(request, "profile_language", None)
        if language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
                                path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
                                secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                                samesite=settings.LANGUAGE_COOKIE_SAMESITE)
        return response
