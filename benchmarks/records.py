"""Reading and computing a province's file of system records at the largest size allowed — 200,000 rows
(SATISFACTION_FILE_MAX_ROWS) of the case log, of 12345 work orders, of 好差评 ratings — without the database: the
time to read the CSV, to check every row, to compute the indicators of every region, and the rows per second.

    .venv/bin/python benchmarks/records.py [--rows 200000] [--regions 100]

The write (`values_save` per region, a few dozen values) is not measured here: it is the Excel import's path.
Target: the whole within the background job's time limit (IMPORT_TIME_LIMIT, 600 s), a case log of a large city's
year (~200,000 cases) in well under a minute.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartgov.settings")

import django  # noqa: E402

django.setup()

from surveys.records import LAYOUTS  # noqa: E402
from surveys.tables import read_table  # noqa: E402

YEAR = 2025


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


START = datetime.datetime(YEAR, 1, 1, 8, tzinfo=datetime.UTC).replace(tzinfo=None)
"""Records carry local times without a zone, as the systems export them."""


def _moment(rng: np.random.Generator) -> datetime.datetime:
    return START + datetime.timedelta(days=int(rng.integers(0, 300)), minutes=int(rng.integers(0, 540)))


def cases(n: int, regions: list[str], rng: np.random.Generator) -> bytes:
    header = ["行政区划代码", "办件编号", "事项编码", "申请渠道", "受理时间", "办结时间", "法定办结时限",
              "实际办理用时", "高频事项", "到场次数", "提交材料数", "需证照材料", "电子证照调用", "主动评价",
              "全程网办事项"]
    rows = []
    for k in range(n):
        accepted = _moment(rng)
        spent = int(rng.integers(0, 6))
        decided = accepted + datetime.timedelta(days=spent)
        frequent = rng.random() < 0.6
        licence = rng.random() < 0.5
        item = int(rng.integers(0, 500))
        rows.append([regions[k % len(regions)], f"C{k:08d}", f"I{item:04d}", "网上" if rng.random() < 0.6 else "窗口",
                     f"{accepted:%Y-%m-%d %H:%M}", f"{decided:%Y-%m-%d %H:%M}", int(rng.integers(1, 20)), spent,
                     "是" if frequent else "否", int(rng.integers(0, 3)), int(rng.integers(1, 6)),
                     "是" if licence else "否", ("是" if rng.random() < 0.4 else "否") if licence else "",
                     "是" if rng.random() < 0.5 else "否", "是" if item % 3 else "否"])
    return _csv(header, rows)


def hotline(n: int, regions: list[str], rng: np.random.Generator) -> bytes:
    header = ["行政区划代码", "工单编号", "受理时间", "诉求类型", "事项分类", "诉求人标识", "办理时限", "办结时间",
              "回访结果"]
    rows = []
    for k in range(n):
        received = _moment(rng)
        closed = received + datetime.timedelta(days=int(rng.integers(0, 10)))
        rows.append([regions[k % len(regions)], f"W{k:08d}", f"{received:%Y-%m-%d %H:%M}",
                     "投诉" if rng.random() < 0.5 else "求助", f"类{int(rng.integers(0, 40))}",
                     f"P{int(rng.integers(0, n // 3))}", f"{received + datetime.timedelta(days=7):%Y-%m-%d %H:%M}",
                     f"{closed:%Y-%m-%d %H:%M}", "已解决" if rng.random() < 0.85 else "未解决"])
    return _csv(header, rows)


def ratings(n: int, regions: list[str], rng: np.random.Generator) -> bytes:
    header = ["行政区划代码", "日期", "评分", "默认评价"]
    rows = [[regions[k % len(regions)], f"{_moment(rng):%Y-%m-%d}", int(rng.choice([1, 2, 3, 4, 5],
                                                                                   p=[.001, .001, .01, .1, .888])),
             "否" if rng.random() < 0.8 else "是"] for k in range(n)]
    return _csv(header, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--regions", type=int, default=100)
    args = parser.parse_args()
    rng = np.random.default_rng(16)
    regions = [f"33{k // 10:02d}{k % 10:02d}" for k in range(args.regions)]
    today = datetime.date(YEAR + 1, 1, 15)
    for kind, make in (("cases", cases), ("hotline", hotline), ("ratings", ratings)):
        data = make(args.rows, regions, rng)
        layout = LAYOUTS[kind]
        start = time.perf_counter()
        table = read_table(data, f"{kind}.csv")
        read = time.perf_counter()
        records = layout.parse(table, year=YEAR, today=today)
        parsed = time.perf_counter()
        figures = layout.compute(records, year=YEAR, today=today)
        done = time.perf_counter()
        assert not records.errors, records.errors[:3]
        values = sum(f.value is not None for region in figures for f in region.figures.values())
        print(f"{kind:8s} {args.rows:,} rows, {len(data) / 1e6:.1f} MB, {len(figures)} regions, {values} values: "
              f"read {read - start:.2f} s, check {parsed - read:.2f} s, compute {done - parsed:.2f} s, "
              f"total {done - start:.2f} s ({args.rows / (done - start):,.0f} rows/s)")


if __name__ == "__main__":
    main()
