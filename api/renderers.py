"""`?format=csv`: the rows of a list as CSV, UTF-8 with a byte-order mark so that Excel reads Chinese."""

import csv
import io
from collections.abc import Mapping
from typing import Any

from rest_framework import renderers

from smartgov.workbooks import csv_field


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: Mapping[str, Any] | None = None) -> bytes:
        response = (renderer_context or {}).get("response")
        if isinstance(data, dict) and "results" in data:
            rows = data["results"]
        elif isinstance(data, list):
            rows = data
        else:
            rows = [data or {}]
        flat = [_flatten(row) for row in rows]
        columns = list(dict.fromkeys(key for row in flat for key in row))
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows({key: csv_field(value) for key, value in row.items()} for row in flat)
        if response is not None and response.status_code < 400:
            view = (renderer_context or {}).get("view")
            name = getattr(view, "csv_filename", "export")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return out.getvalue().encode("utf-8")


def _flatten(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"dimensions": {"RS": {"score": 1}}} → {"dimensions.RS.score": 1}; lists are joined with "; "."""
    out = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        elif isinstance(value, list):
            out[name] = "; ".join(str(v) for v in value)
        else:
            out[name] = "" if value is None else value
    return out


class PDFRenderer(renderers.BaseRenderer):
    """Lets a client ask for `Accept: application/pdf` (the download answers the file itself)."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: Mapping[str, Any] | None = None) -> Any:
        return data
