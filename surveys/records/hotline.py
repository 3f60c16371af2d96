"""12345 work orders (工单): one row per order. They give MP05 重复诉求率, MP10 按时办结率 and PS07 诉求解决率
(framework v2; docs/records.md)."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..tables import Column, Table
from .common import (
    KEY_LENGTH,
    REGION,
    Figure,
    Reader,
    Records,
    RegionFigures,
    by_region,
    day_end,
    lacking,
    moment,
    not_before,
    not_future,
    region_code,
    share,
    unique,
    word,
)

INDICATORS = ("MP05", "MP10", "PS07")
COLUMNS = (
    REGION,
    Column("order", "工单编号", "work order number", ("工单号", "order number")),
    Column("received", "受理时间", "received", ("来电时间", "登记时间", "received at")),
    Column("type", "诉求类型", "request type", ("工单类型", "诉求类别", "type")),
    Column("matter", "事项分类", "matter", ("诉求事项", "诉求分类", "问题分类"), required=False),
    Column("requester", "诉求人标识", "requester", ("诉求人", "requester id"), required=False),
    Column("location", "诉求地点", "location", ("事发地点", "地点"), required=False),
    Column("deadline", "办理时限", "deadline", ("办结时限", "处置时限"), required=False),
    Column("closed", "办结时间", "closed", ("办结日期", "结案时间", "closed at"), required=False),
    Column("resolved", "回访结果", "follow-up", ("是否解决", "解决情况", "follow-up result"), required=False),
)
COLUMN = {column.key: column for column in COLUMNS}
COUNTED_TYPES = ("投诉", "求助", "complaint", "help", "request for help")
OTHER_TYPES = ("咨询", "建议", "意见建议", "表扬", "感谢", "举报", "其他", "enquiry", "suggestion", "praise", "report",
               "other")
TYPES = {**dict.fromkeys(COUNTED_TYPES, True), **dict.fromkeys(OTHER_TYPES, False)}
RESOLUTIONS = {"已解决": True, "解决": True, "resolved": True, "未解决": False, "unresolved": False,
               "": None, "未回访": None, "未评价": None, "无法判断": None, "not reached": None, "no answer": None}
REPEAT_DAYS = 30


@dataclass(frozen=True)
class Order:
    row: int
    region: str
    received: datetime.datetime
    counted: bool
    """A complaint or a request for help (投诉、求助), the orders MP05 and PS07 count."""
    matter: str
    requester: str
    location: str
    deadline: datetime.datetime | None
    closed: datetime.datetime | None
    resolved: bool | None


def parse(table: Table, *, year: int, today: datetime.date) -> Records:
    """Every order of the file, whenever received (an order of December before may fall due in the year, or be
    the earlier request another one repeats); each indicator then takes the orders of its definition."""
    reader = Reader(table, COLUMNS)
    seen: dict[str, int] = {}
    for row in reader.rows():
        region = region_code(row)
        unique(row, "order", seen)
        received = row.check("received", lambda v: not_future(moment(v), today))
        counted = row.check("type", lambda v: word(v, TYPES, _(
            "Write 投诉 or 求助 (complaint, request for help), or 咨询, 建议, 表扬, 举报 or 其他.")))
        deadline = reader.get(row, "deadline", moment, needed=False)
        closed = reader.get(row, "closed", lambda v: not_future(moment(v), today), needed=False)
        not_before(row, "deadline", deadline, "received", received)
        not_before(row, "closed", closed, "received", received)
        resolved = reader.get(row, "resolved", lambda v: word(v, RESOLUTIONS, _(
            "Write 已解决 or 未解决 (resolved or not), or leave the cell empty when the requester gave no answer.")),
            needed=False)
        if resolved is not None and closed is None and "closed" in reader.present:
            row.fail("resolved", _("Only a closed order has a follow-up."))
        reader.keep(row, Order(
            row=row.number, region=region, received=received, counted=bool(counted),
            matter=row.text("matter", KEY_LENGTH, required=bool(counted) and "matter" in reader.present),
            requester=row.text("requester", KEY_LENGTH), location="".join(row.text("location", KEY_LENGTH).split()),
            deadline=deadline, closed=closed, resolved=resolved))
    return reader.result()


def compute(records: Records, *, year: int, today: datetime.date) -> list[RegionFigures]:
    return [RegionFigures(region, len(orders), {
        "MP05": _mp05(orders, records, year), "MP10": _mp10(orders, records, year, today),
        "PS07": _ps07(orders, records, year)}) for region, orders in by_region(records.records).items()]


def _mp05(orders: list[Order], records: Records, year: int) -> Figure:
    if {"requester", "location"} <= records.absent:
        return Figure("MP05", None, _("The file has neither the column %(a)s nor %(b)s.") % {
            "a": COLUMN["requester"].label, "b": COLUMN["location"].label})
    counted = [o for o in orders if o.counted and o.received.year == year]
    return lacking("MP05", records, [COLUMN["matter"]]) or share(
        "MP05", _repeats(orders, year), len(counted),
        _("%(k)s of %(n)s complaints and requests for help received in the year repeat an earlier request of the "
          "same requester or place on the same matter, within 30 days after it was closed."),
        _("No complaint or request for help received in the assessment year."))


def _repeats(orders: Iterable[Order], year: int) -> int:
    """The counted orders of the year with an earlier order of the same requester, or of the same place, on the
    same matter, closed before it was received and at most REPEAT_DAYS days (by date) before."""
    closings: dict[tuple[str, str, str], list[datetime.datetime]] = {}
    repeats = 0
    for order in sorted(orders, key=lambda o: (o.received, o.row)):
        keys = [(who, name, order.matter) for who, name in (("requester", order.requester),
                                                             ("location", order.location)) if name and order.matter]
        if order.counted and order.received.year == year:
            repeats += any(closed <= order.received and (order.received.date() - closed.date()).days <= REPEAT_DAYS
                           for key in keys for closed in closings.get(key, ()))
        if order.closed is not None:
            for key in keys:
                closings.setdefault(key, []).append(order.closed)
    return repeats


def _mp10(orders: list[Order], records: Records, year: int, today: datetime.date) -> Figure:
    due = [o for o in orders if o.deadline is not None and o.deadline.year == year
           and (o.closed is not None or o.deadline.date() < today)]
    return lacking("MP10", records, [COLUMN["deadline"], COLUMN["closed"]]) or share(
        "MP10", sum(o.closed is not None and o.closed <= day_end(o.deadline) for o in due if o.deadline), len(due),
        _("%(k)s of %(n)s work orders due in the year were closed by their deadline."),
        _("No work order falls due in the assessment year."))


def _ps07(orders: list[Order], records: Records, year: int) -> Figure:
    answered = [o for o in orders if o.counted and o.closed is not None and o.closed.year == year
                and o.resolved is not None]
    return lacking("PS07", records, [COLUMN["closed"], COLUMN["resolved"]]) or share(
        "PS07", sum(bool(o.resolved) for o in answered), len(answered),
        _("%(k)s of %(n)s requesters who answered the follow-up of a closed complaint or request for help said it "
          "was resolved."), _("No follow-up answer on a complaint or request for help closed in the year."))
