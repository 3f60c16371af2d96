"""The 12345 call centre's monthly ACD figures: one row per region and month. They give MP09 接通率 (framework
v2; docs/records.md). Monthly counts rather than the call records themselves: a city's hotline takes hundreds of
thousands of calls a month, and the ACD system reports exactly the three counts the definition needs."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..tables import HOTLINE_COLUMNS, Column, Table, cell_count, cell_month
from .common import REGION, Reader, Records, RegionFigures, by_region, region_code, share

INDICATORS = ("MP09",)
MONTH = next(column for column in HOTLINE_COLUMNS if column.key == "month")
COLUMNS = (
    REGION,
    MONTH,
    Column("queued", "进入人工队列数", "calls queued for an agent", ("人工队列来电数", "转人工数", "queued")),
    Column("answered", "人工接通数", "calls answered by an agent", ("人工接听数", "answered")),
    Column("abandoned", "5秒内放弃数", "abandoned within 5 seconds", ("5秒内挂机数", "短时放弃数", "abandoned")),
)


@dataclass(frozen=True)
class Month:
    row: int
    region: str
    month: datetime.date
    queued: int
    answered: int
    abandoned: int


def parse(table: Table, *, year: int, today: datetime.date) -> Records:
    reader = Reader(table, COLUMNS)
    seen: dict[tuple[str, datetime.date], int] = {}
    for row in reader.rows():
        record = Month(row.number, region_code(row), row.check("month", lambda v: cell_month(v, year, today)),
                       *(row.check(key, cell_count) for key in ("queued", "answered", "abandoned")))
        if not row.errors:
            if record.abandoned > record.queued:
                row.fail("abandoned", _("“%(part)s” (%(a)s) cannot exceed “%(whole)s” (%(b)s).") % {
                    "part": row.labels["abandoned"], "a": record.abandoned, "whole": row.labels["queued"],
                    "b": record.queued})
            elif record.answered > record.queued - record.abandoned:
                row.fail("answered", _("More calls answered (%(answered)s) than queued less those abandoned within "
                                       "5 seconds (%(callers)s).") % {
                    "answered": record.answered, "callers": record.queued - record.abandoned})
            key = (record.region, record.month)
            if key in seen:
                row.fail("month", _("The month %(month)s appears twice for this region (also row %(row)d).")
                         % {"month": f"{record.month:%Y-%m}", "row": seen[key]})
            seen.setdefault(key, row.number)
        reader.keep(row, record)
    return reader.result()


def compute(records: Records, *, year: int, today: datetime.date) -> list[RegionFigures]:
    return [RegionFigures(region, len(months), {"MP09": share(
        "MP09", sum(m.answered for m in months), sum(m.queued - m.abandoned for m in months),
        _("%(k)s of %(n)s calls queued for an agent (less those abandoned within 5 seconds) were answered (months: "
          "%(months)s)."), _("No call was queued for an agent."), months=len(months))})
        for region, months in by_region(records.records).items()]
