"""The case log (办件库) of the integrated government service platform: one row per case of an on-application
item. It gives SC01 全程网办率, SC02 网上实际办件率, SC03 高频事项实际到场次数, SC04 高频事项实际提交材料数,
SC05 实际办理用时压缩比, SC06 当场办结率, RS05 电子证照实际调用率 and PS09 办件主动评价率 (framework v2;
docs/records.md)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..tables import Column, Table, TableRow, cell_count
from .common import (
    KEY_LENGTH,
    REGION,
    Figure,
    Reader,
    Records,
    RegionFigures,
    by_region,
    days,
    flag,
    in_year,
    lacking,
    mean,
    moment,
    not_before,
    not_future,
    region_code,
    share,
    unique,
    word,
)

INDICATORS = ("SC01", "SC02", "SC03", "SC04", "SC05", "SC06", "RS05", "PS09")
COLUMNS = (
    REGION,
    Column("case", "办件编号", "case number", ("办件号", "办件流水号", "受理编号", "case id")),
    Column("item", "事项编码", "item code", ("实施编码", "事项代码", "item")),
    Column("channel", "申请渠道", "channel", ("渠道", "申报渠道", "办理渠道", "application channel")),
    Column("accepted", "受理时间", "accepted", ("受理日期", "accepted at")),
    Column("decided", "办结时间", "decided", ("办结日期", "decided at"), required=False),
    Column("limit", "法定办结时限", "statutory time limit", ("法定时限", "statutory limit"), required=False),
    Column("days", "实际办理用时", "actual working days", ("实际用时", "办理用时", "working days"), required=False),
    Column("frequent", "高频事项", "high-frequency item", ("是否高频事项", "high frequency"), required=False),
    Column("visits", "到场次数", "on-site visits", ("实际到场次数", "跑动次数", "visits"), required=False),
    Column("documents", "提交材料数", "documents submitted", ("实际提交材料数", "documents"), required=False),
    Column("licence_needed", "需证照材料", "licence document required", ("要求证照材料", "licence required"),
           required=False),
    Column("licence_used", "电子证照调用", "electronic licence used", ("调用电子证照", "licence used"), required=False),
    Column("rated", "主动评价", "rated by the applicant", ("办事人主动评价", "rated"), required=False),
    Column("online_item", "全程网办事项", "fully online item", ("全程网办", "fully online"), required=False),
)
COLUMN = {column.key: column for column in COLUMNS}
ONLINE_WORDS = ("网上", "线上", "网办", "在线", "政务服务网", "网站", "移动端", "app", "手机", "小程序", "online",
                "web", "mobile", "mini-program")
OFFLINE_WORDS = ("窗口", "线下", "现场", "大厅", "窗口代录", "代办", "自助终端", "自助机", "邮寄", "counter",
                 "offline", "kiosk", "post")
CHANNELS = {**dict.fromkeys(ONLINE_WORDS, True), **dict.fromkeys(OFFLINE_WORDS, False)}
IMMEDIATE = ("即办", "即办件")


@dataclass(frozen=True)
class Case:
    row: int
    region: str
    online: bool
    accepted: datetime.datetime
    decided: datetime.datetime | None
    limit: float | None
    days: float | None
    frequent: bool | None
    visits: int | None
    documents: int | None
    licence_needed: bool | None
    licence_used: bool | None
    rated: bool | None
    online_item: bool | None


def parse(table: Table, *, year: int, today: datetime.date) -> Records:
    """Cases accepted in the assessment year. Every row is checked; a row with any error is left out of the
    records (and the caller then refuses the whole file)."""
    reader = Reader(table, COLUMNS)
    seen: dict[str, int] = {}
    items: dict[tuple[str, str], tuple[bool, int]] = {}
    for row in reader.rows():
        region, item = region_code(row), row.text("item", KEY_LENGTH, required=True)
        unique(row, "case", seen)
        accepted = row.check("accepted", lambda v: in_year(v, year, today))
        decided = reader.get(row, "decided", lambda v: not_future(moment(v), today), needed=False)
        not_before(row, "decided", decided, "accepted", accepted)
        limit = reader.get(row, "limit", _limit, needed=False)
        spent = reader.get(row, "days", days, needed=bool(limit and decided))
        _check_span(row, spent, accepted, decided)
        frequent = reader.get(row, "frequent", flag)
        licence_needed = reader.get(row, "licence_needed", flag)
        online_item = reader.get(row, "online_item", flag)
        if online_item is not None and item:
            said, first = items.setdefault((region, item), (online_item, row.number))
            if said != online_item:
                row.fail("online_item", _("Row %(row)d says the opposite for the same item of this region.")
                         % {"row": first})
        reader.keep(row, Case(
            row=row.number, region=region, online=row.check("channel", _channel), accepted=accepted,
            decided=decided, limit=limit, days=spent, frequent=frequent,
            visits=reader.get(row, "visits", cell_count, needed=bool(frequent)),
            documents=reader.get(row, "documents", cell_count, needed=bool(frequent)),
            licence_needed=licence_needed,
            licence_used=reader.get(row, "licence_used", flag, needed=bool(licence_needed)),
            rated=reader.get(row, "rated", flag), online_item=online_item))
    return reader.result()


def _channel(value: object) -> bool:
    return word(value, CHANNELS, _("Write 网上 (online: portal, app or mini-program) or 窗口 (at a counter, also "
                                   "when counter staff keyed the application in)."))


def _limit(value: object) -> float | None:
    """The statutory limit in working days; none (即办件) when 0 or 即办."""
    if str(value).strip() in IMMEDIATE:
        return None
    return days(value) or None


def _check_span(row: TableRow, spent: float | None, accepted: datetime.datetime | None,
                decided: datetime.datetime | None) -> None:
    """Working days cannot exceed the calendar days from acceptance to decision, both counted."""
    if spent is None or accepted is None or decided is None or decided.date() < accepted.date():
        return
    span = (decided.date() - accepted.date()).days + 1
    if spent > span:
        row.fail("days", _("More working days (%(days)s) than calendar days from acceptance to decision, both "
                           "counted (%(span)d).") % {"days": f"{spent:g}", "span": span})


def compute(records: Records, *, year: int, today: datetime.date) -> list[RegionFigures]:
    return [RegionFigures(region, len(cases), {figure.code: figure for figure in (
        formula(cases, records) for formula in FORMULAS)}) for region, cases in by_region(records.records).items()]


def _sc01(cases: list[Case], records: Records) -> Figure:
    return lacking("SC01", records, [COLUMN["online_item"]]) or share(
        "SC01", sum(bool(c.online_item) for c in cases), len(cases),
        _("%(k)s of %(n)s cases are of items that can be handled fully online."))


def _sc02(cases: list[Case], records: Records) -> Figure:
    return share("SC02", sum(c.online for c in cases), len(cases),
                 _("%(k)s of %(n)s cases were applied for online (portal, app or mini-program)."))


def _sc03(cases: list[Case], records: Records) -> Figure:
    return lacking("SC03", records, [COLUMN["frequent"], COLUMN["visits"]]) or mean(
        "SC03", (c.visits or 0 for c in cases if c.frequent),
        _("Mean on-site visits over %(n)s cases of high-frequency items."), _("No case of a high-frequency item."))


def _sc04(cases: list[Case], records: Records) -> Figure:
    return lacking("SC04", records, [COLUMN["frequent"], COLUMN["documents"]]) or mean(
        "SC04", (c.documents or 0 for c in cases if c.frequent),
        _("Mean documents submitted over %(n)s cases of high-frequency items."), _("No case of a high-frequency item."))


def _sc05(cases: list[Case], records: Records) -> Figure:
    return lacking("SC05", records, [COLUMN["decided"], COLUMN["limit"], COLUMN["days"]]) or mean(
        "SC05", (max(0.0, 1 - c.days / c.limit) * 100 for c in cases
                 if c.limit and c.decided is not None and c.days is not None),
        _("Mean of (1 − actual ÷ statutory working days) × 100, negatives as 0, over %(n)s decided cases with a "
          "statutory time limit."), _("No decided case with a statutory time limit."))


def _sc06(cases: list[Case], records: Records) -> Figure:
    return lacking("SC06", records, [COLUMN["decided"]]) or share(
        "SC06", sum(c.decided is not None and c.decided.date() == c.accepted.date() for c in cases), len(cases),
        _("%(k)s of %(n)s cases were decided on the day they were accepted."))


def _rs05(cases: list[Case], records: Records) -> Figure:
    needing = [c for c in cases if c.licence_needed]
    return lacking("RS05", records, [COLUMN["licence_needed"], COLUMN["licence_used"]]) or share(
        "RS05", sum(bool(c.licence_used) for c in needing), len(needing),
        _("%(k)s of %(n)s cases requiring a licence document retrieved one from the electronic licence library."),
        _("No case required a licence document."))


def _ps09(cases: list[Case], records: Records) -> Figure:
    return lacking("PS09", records, [COLUMN["rated"]]) or share(
        "PS09", sum(bool(c.rated) for c in cases), len(cases), _("%(k)s of %(n)s cases were rated by the applicant."))


FORMULAS: tuple[Callable[[list[Case], Records], Figure], ...] = (_sc01, _sc02, _sc03, _sc04, _sc05, _sc06, _rs05,
                                                                 _ps09)
