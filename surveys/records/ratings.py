"""好差评 ratings: one row per rating. They give PS01 差评率 (framework v2; docs/records.md). PS09 主动评价率 is
counted per case, over all cases, so it comes from the case log, not from the ratings."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..tables import RATING_COLUMNS, Column, Table, _date_in, _rating
from .common import REGION, Reader, Records, RegionFigures, by_region, region_code, share, word

INDICATORS = ("PS01",)
RATING = {column.key: column for column in RATING_COLUMNS}
COLUMNS = (
    REGION,
    RATING["date"],
    RATING["rating"],
    Column("default", "默认评价", "default rating", ("系统默认评价", "是否默认评价", "default"), required=False),
)
DEFAULT_WORDS = {**dict.fromkeys(("是", "默认", "默认评价", "系统默认", "yes", "default"), True),
                 **dict.fromkeys(("否", "主动", "主动评价", "no", "active"), False)}


@dataclass(frozen=True)
class Rating:
    row: int
    region: str
    date: datetime.date
    rating: int
    default: bool | None


def parse(table: Table, *, year: int, today: datetime.date) -> Records:
    reader = Reader(table, COLUMNS)
    for row in reader.rows():
        reader.keep(row, Rating(
            row.number, region_code(row), row.check("date", lambda v: _date_in(v, year, today)),
            row.check("rating", _rating),
            reader.get(row, "default", lambda v: word(v, DEFAULT_WORDS, _(
                "Write 是 (a default rating given by the system) or 否 (given by the applicant).")))))
    return reader.result()


def compute(records: Records, *, year: int, today: datetime.date) -> list[RegionFigures]:
    result = []
    for region, ratings in by_region(records.records).items():
        valid = [r for r in ratings if not r.default]
        result.append(RegionFigures(region, len(ratings), {"PS01": share(
            "PS01", sum(r.rating <= 2 for r in valid), len(valid),
            _("%(k)s of %(n)s ratings given by applicants were 1–2 (dissatisfied or very dissatisfied)."),
            _("Every rating of the region is a default given by the system."))}))
    return result
