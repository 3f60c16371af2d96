import hashlib
from collections.abc import Iterable
from typing import Any, NoReturn, TypeVar

from django.http import HttpResponseBase, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_etags, parse_http_date_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import decorators, exceptions
from rest_framework.mixins import ListModelMixin
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer, Serializer
from rest_framework.views import APIView

from assessments.models import Cycle, ScoreRun
from smartgov.errors import ErrorCode, NotFound

from ..exceptions import FormatNotOffered
from ..permissions import HasRegionalRole
from ..schema import ApiAutoSchema
from ..selectors import cycle_find, regions_scope_key

ResponseT = TypeVar("ResponseT", bound=HttpResponseBase)


class ContentNegotiation(DefaultContentNegotiation):
    """`?format=` names one of the endpoint's renderers; any other is a 406 naming `format` (DRF: a 404)."""

    def filter_renderers(self, renderers: Iterable[BaseRenderer], format: str) -> list[BaseRenderer]:
        chosen = [r for r in renderers if r.format == format]
        if not chosen:
            raise FormatNotOffered(format, list(dict.fromkeys(str(r.format) for r in renderers)))
        return chosen


class ApiView(APIView):
    """What every API view shares: a role on some region is needed, bodies are JSON.

    Listed first among the bases of a view (`class X(ApiView, generics.ListAPIView)`), so that its attributes
    and `finalize_response` come before DRF's; the method resolution order is the same as for a mixin. A
    subclass that sets `queryset` or `serializer_class` for a generic view declares them with the types of
    `GenericAPIView` (the type checker requires the bases of a class to agree on them).
    """

    permission_classes = [IsAuthenticated, HasRegionalRole]
    parser_classes = [JSONParser]
    schema = ApiAutoSchema()
    content_negotiation_class = ContentNegotiation
    # A list's query: its filters (`filterset_class`), these serializers' fields, `page`, `page_size`, `format`.
    query_serializers: tuple[type[Serializer[Any]], ...] = ()
    # Whether GET answers a list whose query string is checked (None: whether the view is a ListModelMixin).
    lists: bool | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        listing = self.lists if self.lists is not None else isinstance(self, ListModelMixin)
        if listing and request.method in ("GET", "HEAD"):
            self.check_query_parameters(request)

    def query_parameters(self) -> list[str]:
        """The parameters a list accepts, in the order the docs give them."""
        names: list[str] = [str(name) for serializer in self.query_serializers for name in list(serializer().fields)]
        queryset = getattr(self, "queryset", None)
        if DjangoFilterBackend in getattr(self, "filter_backends", ()) and queryset is not None:
            filterset = DjangoFilterBackend().get_filterset_class(self, queryset)
            names += list(filterset.base_filters) if filterset is not None else []
        paginator = getattr(self, "paginator", None)
        if paginator is not None:
            names += [paginator.page_query_param, paginator.page_size_query_param]
        return list(dict.fromkeys([*names, "format"]))

    def check_query_parameters(self, request: Request) -> None:
        """400 `invalid` naming each unknown parameter (`?ordering=` where a list has no ordering, a typo such as
        `?provnce=`) and a bad `page` / `page_size`: a list never ignores part of its query silently."""
        known = self.query_parameters()
        unknown = [name for name in request.query_params if name not in known]
        if unknown:
            reason = _("Unknown parameter here; this list accepts: %(names)s.") % {"names": ", ".join(known)}
            raise exceptions.ValidationError({name: [reason] for name in unknown})
        paginator = getattr(self, "paginator", None)
        if paginator is not None and hasattr(paginator, "check"):
            paginator.check(request)

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        """Errors are JSON whatever format was asked for (CSV, PDF)."""
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and renderer is not None and renderer.format not in ("json", "api"):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    def query(self, serializer_class: type[BaseSerializer[Any]]) -> Any:
        """The query string parsed by `serializer_class`; 400 naming each bad parameter."""
        serializer = serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def body(self, serializer_class: type[BaseSerializer[Any]]) -> Any:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class Conditional:
    """ETag and Last-Modified of an answer that depends only on a published score run, the resource and its
    representation (path, query, media type), the caller's regions and language; `not_modified()` is the 304
    when the client's copy is still current. Two resources never share an ETag (`results/` and `aggregates/`
    of the same run, JSON and CSV of the same list)."""

    def __init__(self, request: Request, run: ScoreRun) -> None:
        self.request = request
        self.last_modified = int(run.finished_at.timestamp()) if run.finished_at else None
        params = sorted((k, v) for k, v in request.query_params.lists())
        representation = f"{request.path}|{params}|{getattr(request, 'accepted_media_type', '')}"
        key = f"{run.pk}|{run.finished_at}|{representation}|{get_language()}|{regions_scope_key(request.user)}"
        self.etag = f'"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'

    def not_modified(self) -> HttpResponseNotModified | None:
        if self.request.method not in ("GET", "HEAD"):
            return None
        if_none_match = self.request.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {t.removeprefix("W/") for t in parse_etags(if_none_match)}
            fresh = "*" in tags or self.etag in tags
        else:
            since = parse_http_date_safe(self.request.headers.get("If-Modified-Since", ""))
            fresh = since is not None and self.last_modified is not None and self.last_modified <= since
        if not fresh:
            return None
        return self.stamp(HttpResponseNotModified())

    def stamp(self, response: ResponseT) -> ResponseT:
        response["ETag"] = self.etag
        if self.last_modified is not None:
            response["Last-Modified"] = http_date(self.last_modified)
        response["Cache-Control"] = "private, no-cache"
        patch_vary_headers(response, ("Accept", "Accept-Language", "Authorization", "Cookie"))
        return response


def published_cycle(*, period: int | None = None, framework: str | None = None) -> Cycle:
    """The cycle whose published results are asked for, or a 404 saying that there are none (yet)."""
    cycle = cycle_find(period=period, framework=framework, published=True)
    if cycle is not None:
        return cycle
    if period is None:
        message = _("No cycle has published results yet.")
    elif cycle_find(period=period, framework=framework) is not None:
        message = _("The %(period)s cycle has no published results yet.") % {"period": period}
    else:
        message = _("There is no cycle of %(period)s.") % {"period": period}
    raise NotFound(message, code=ErrorCode.NOT_PUBLISHED)


@decorators.api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@decorators.permission_classes([AllowAny])
@decorators.renderer_classes([JSONRenderer])
@decorators.schema(None)
def no_such_endpoint(request: Request, rest: str = "") -> NoReturn:
    """Any path under /api/ that no endpoint matches (`api.unknown_urls`, the end of `api.urls`)."""
    raise NotFound(_("There is no such endpoint; see /api/v1/docs/ (paths end with a slash)."))
