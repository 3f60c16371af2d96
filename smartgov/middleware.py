"""Pages' side of the one error model: a service's refusal that a view did not handle itself is answered with
its status and message (JSON for requests that want JSON), never with a 500."""

from django.http import JsonResponse
from django.shortcuts import render

from .errors import DomainError, error_body


def wants_json(request) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get("Accept", "")


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        if wants_json(request):
            return JsonResponse(error_body(exception), status=exception.status)
        return render(request, "error.html", {"error": exception}, status=exception.status)
