"""The demo, built through the services a real campaign uses, so that it is also the proof that the lifecycle
works: China's region register → the people of three provinces imported → three annual cycles opened for their
prefecture-level cities, with values, evidence, sign-offs and approvals → the past two closed and published (2025
revised once) → the current one open and provisional.

Values are generated, not observed: every demo cycle is flagged `is_demo` and shown as demo data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction

from indicators.models import Framework

from ..models import Cycle, Region
from ..regions_file import read_regions_file
from ..services import regions_load
from .campaign import REVISED_CITY, Campaign, campaign_revise, campaign_run
from .people import DEMO_USERS, Staff, demo_logins, staff_import
from .values import PROVINCE_EFFECT, generate_values

__all__ = ["DEMO_PERIODS", "DEMO_USERS", "demo_seed", "generate_values"]

DEMO_PERIODS = (2024, 2025, 2026)
REVISED_PERIOD = 2025
CHINA_REGISTER = Path(__file__).resolve().parent.parent / "data" / "regions" / "cn-nbs-2023.yaml"
"""The demo's regions: China's register; its cities are the prefecture-level ones of the demo's provinces."""


@transaction.atomic
def demo_seed(*, framework: Framework, regions_file: Path = CHINA_REGISTER) -> dict[str, Any]:
    """Create the demo, or complete it: a cycle that exists already is left as it is, so a second run changes
    nothing."""
    regions_load(document=read_regions_file(regions_file), actor=None)
    provinces = list(Region.objects.current().filter(code__in=PROVINCE_EFFECT).order_by("code"))
    cities = list(Region.objects.current().filter(level=Region.Level.PREFECTURE, province__in=provinces)
                  .select_related("province").order_by("code"))
    logins = demo_logins()
    staff_import(provinces=provinces, cities=cities, coordinator=logins["demo_admin"])
    indicators = list(framework.indicators.select_related("dimension").order_by("dimension__order", "order"))
    values = generate_values([c.code for c in cities], {c.code: c.province.code for c in cities}, indicators,
                             DEMO_PERIODS)
    campaign = Campaign(framework=framework, cities=cities, indicators=indicators,
                        staff=Staff.of([*provinces, *cities]), coordinator=logins["demo_admin"],
                        draft_cities=frozenset(u.region_code for u in DEMO_USERS if u.region_code))
    made = []
    for p, period in enumerate(DEMO_PERIODS):
        if Cycle.objects.filter(framework=framework, period=period).exists():
            continue
        current = period == DEMO_PERIODS[-1]
        cycle = campaign_run(campaign, period=period, values=values[p], current=current)
        if period == REVISED_PERIOD:
            city = [c.code for c in cities].index(REVISED_CITY)
            rs01 = [i.code for i in indicators].index("RS01")
            campaign_revise(campaign, cycle, corrected=round(min(100.0, float(values[p, city, rs01]) + 4.0), 1))
        made.append(period)
    return {"cities": len(cities), "cycles": made, "users": [u.username for u in DEMO_USERS]}
