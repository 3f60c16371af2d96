"""GET /api/v1/frameworks/schema/: the published JSON Schema of framework files, open to everyone (like the OpenAPI
schema), so that a file can be checked before it is uploaded."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from indicators.framework_schema import framework_schema

from .base import ApiView


@extend_schema(tags=["frameworks"])
class FrameworkFileSchema(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="The JSON Schema of framework files",
        description="The JSON Schema (draft 2020-12) of the framework file format `smartgov-framework/1` "
                    "(docs/framework-format.md): the keys of a file, their types, closed lists, ranges and "
                    "defaults. No key outside it is accepted. Weights summing to 1, AHP consistency, goalposts, "
                    "band order, unique codes and rule references are checked on import beyond it.",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The schema.")},
        auth=[],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(framework_schema())
