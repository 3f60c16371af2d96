"""The demo, built through the services a real campaign uses, so that it is also the proof that the lifecycle
works: China's region register → the people of three provinces imported → three annual cycles opened for their
prefecture-level cities, with values, evidence, sign-offs and approvals → the past two closed and published (2025
revised once) → the current one open and provisional.

Values are generated, not observed: every demo cycle is flagged `is_demo` and shown as demo data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from django.db import transaction

from indicators.models import Framework, Indicator
from indicators.selectors import DEFAULT_FRAMEWORK_CODE

from ..models import Cycle, Region
from ..regions_file import read_regions_file
from ..services import regions_load
from .campaign import REVISED_CITY, Campaign, campaign_revise, campaign_run
from .distributions import DISTRIBUTIONS, columns_of, draw_values
from .people import DEMO_USERS, Staff, demo_logins, staff_import
from .values import PROVINCE_EFFECT, SEED, demo_capacity, generate_values

__all__ = ["DEMO_PERIODS", "DEMO_USERS", "demo_seed", "generate_values"]

DEMO_PERIODS = (2024, 2025, 2026)
REVISED_PERIOD = 2025
CHINA_REGISTER = Path(__file__).resolve().parent.parent / "data" / "regions" / "cn-nbs-2023.yaml"
"""The demo's regions: China's register; its cities are the prefecture-level ones of the demo's provinces."""


@transaction.atomic
def demo_seed(*, framework: Framework, earlier: Framework | None = None,
              regions_file: Path = CHINA_REGISTER) -> dict[str, Any]:
    """Create the demo, or complete it: a cycle that exists already is left as it is, so a second run changes
    nothing. The current cycle assesses `framework`; the past ones `earlier` when given (the default framework's
    version 1, the current one its version 2: the series breaks as it would in a real campaign), else `framework`."""
    regions_load(document=read_regions_file(regions_file), actor=None)
    provinces = list(Region.objects.current().filter(code__in=PROVINCE_EFFECT).order_by("code"))
    cities = list(Region.objects.current().filter(level=Region.Level.PREFECTURE, province__in=provinces)
                  .select_related("province").order_by("code"))
    logins = demo_logins()
    staff_import(provinces=provinces, cities=cities, coordinator=logins["demo_admin"])
    staff = Staff.of([*provinces, *cities])
    campaigns: dict[int, tuple[Campaign, np.ndarray]] = {}
    made = []
    for p, period in enumerate(DEMO_PERIODS):
        current = period == DEMO_PERIODS[-1]
        assessed = framework if current or earlier is None else earlier
        if Cycle.objects.filter(framework=assessed, period=period).exists():
            continue
        if assessed.pk not in campaigns:
            indicators = list(assessed.indicators.select_related("dimension").order_by("dimension__order", "order"))
            campaigns[assessed.pk] = (Campaign(
                framework=assessed, cities=cities, indicators=indicators, staff=staff,
                coordinator=logins["demo_admin"],
                draft_cities=frozenset(u.region_code for u in DEMO_USERS if u.region_code)),
                demo_values(assessed, cities, indicators))
        campaign, values = campaigns[assessed.pk]
        cycle = campaign_run(campaign, period=period, values=values[p], current=current)
        if period == REVISED_PERIOD:
            city = [c.code for c in cities].index(REVISED_CITY)
            rs01 = [i.code for i in campaign.indicators].index("RS01")
            campaign_revise(campaign, cycle, corrected=round(min(100.0, float(values[p, city, rs01]) + 4.0), 1))
        made.append(period)
    return {"cities": len(cities), "cycles": made, "users": [u.username for u in DEMO_USERS]}


def demo_values(framework: Framework, cities: list[Region], indicators: list[Indicator]) -> np.ndarray:
    """Values (periods, cities, indicators) of the demo's periods: drawn from the published distributions for the
    default framework from version 2 on (`distributions`), else spread between the goalposts as before."""
    codes = [c.code for c in cities]
    province_of = {c.code: c.province.code if c.province else c.code for c in cities}
    if framework.code != DEFAULT_FRAMEWORK_CODE or framework.version < 2 or framework.version not in DISTRIBUTIONS:
        return generate_values(codes, province_of, indicators, DEMO_PERIODS)
    county = np.array([c.level == Region.Level.COUNTY for c in cities])
    return draw_values(columns_of(indicators), demo_capacity(codes, province_of), county, len(DEMO_PERIODS),
                       version=framework.version, seed=SEED)
