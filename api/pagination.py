"""`?page=2&page_size=100`: both checked, a bad value is a 400 naming the parameter (never silently ignored)."""

import re
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination
from rest_framework.request import Request

WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
PAGE_MAX = 10**9 - 1
"""The largest page number WHOLE_NUMBER reads."""


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=2&page_size=100` (at most 500); the answer has count, next, previous and results."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def check(self, request: Request) -> None:
        """400 `invalid` naming `page` / `page_size` when either is not a whole number in range. A page past
        the end stays a 404 (`paginate_queryset`)."""
        fields: dict[str, list[Any]] = {}
        page = request.query_params.get(self.page_query_param)
        if page is not None and page not in self.last_page_strings and not _in_range(page, 1, None):
            fields[self.page_query_param] = [_("A page number is required: a whole number from 1 (or “last”).")]
        size = request.query_params.get(self.page_size_query_param)
        if size is not None and not _in_range(size, 1, self.max_page_size):
            fields[self.page_size_query_param] = [
                _("A whole number from 1 to %(max)s is required.") % {"max": self.max_page_size}]
        if fields:
            raise exceptions.ValidationError(fields)

    def get_page_size(self, request: Request) -> int | None:
        self.check(request)
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """`page` and `page_size` with the bounds `check` applies."""
        page = {"type": "integer", "minimum": 1, "maximum": PAGE_MAX}
        return [
            {"name": self.page_query_param, "required": False, "in": "query",
             "description": "A page number from 1, or `last`; a page past the end is a 404.",
             "schema": {"oneOf": [page, {"type": "string", "enum": list(self.last_page_strings)}]}},
            {"name": self.page_size_query_param, "required": False, "in": "query",
             "description": f"Rows per page, from 1 to {self.max_page_size} (default {self.page_size}).",
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size}},
        ]


def _in_range(value: str, low: int, high: int | None) -> bool:
    return WHOLE_NUMBER.fullmatch(value) is not None and int(value) >= low and (high is None or int(value) <= high)
