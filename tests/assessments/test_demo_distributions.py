"""Demo values drawn from the published distributions (docs/framework-v2-demo-distributions.md): the statistical
audit finds v1's ceilings on them (the issue's 差评整改率 at 100 % everywhere, 12345 按时办结率 …) and none under v2,
where no indicator has more than half the regions at its best score."""

import numpy as np
import pandas as pd
import pytest

from assessments.demo.distributions import DISTRIBUTIONS, Beta, Column, columns_of, draw_values
from indicators.scoring import audit
from indicators.services import framework_spec

pytestmark = pytest.mark.django_db
CITIES, COUNTIES, PERIODS = 45, 120, 3


def _audited(framework, version):
    rng = np.random.default_rng(1)
    regions = CITIES + COUNTIES
    county = np.arange(regions) >= CITIES
    codes = [f"R{r:03d}" for r in range(regions)]
    indicators = list(framework.indicators.select_related("dimension").order_by("dimension__order", "order"))
    values = draw_values(columns_of(indicators), rng.standard_normal(regions), county, PERIODS, version=version,
                         seed=7)
    frame = pd.DataFrame([(codes[r], indicators[j].code, values[-1, r, j]) for r in range(regions)
                          for j in range(len(indicators))], columns=["region", "indicator", "value"]).assign(period=1)
    levels = {code: "county" if county[r] else "prefecture" for r, code in enumerate(codes)}
    statistics = audit(frame, framework_spec(framework), levels=levels).periods[0]
    return values, indicators, {s.indicator: s.at_ceiling for s in statistics.indicators}, statistics.warnings


def test_every_indicator_of_both_versions_has_a_distribution(framework, framework_v2):
    for version, loaded in ((1, framework), (2, framework_v2)):
        assert set(DISTRIBUTIONS[version]) == set(loaded.indicators.values_list("code", flat=True))


def test_under_v2_no_indicator_has_half_the_regions_at_its_best_score(framework_v2):
    _values, _indicators, ceiling, warnings = _audited(framework_v2, 2)
    assert max(ceiling.values()) <= 0.5
    assert not [w for w in warnings if w.code == "ceiling"]


def test_under_v1_the_audit_shows_the_ceilings_the_issue_found(framework):
    _values, _indicators, ceiling, warnings = _audited(framework, 1)
    assert ceiling["PS02"] > 0.7
    assert ceiling["PS06"] > 0.5
    assert {w.subject for w in warnings if w.code == "ceiling"} >= {"PS02", "PS06", "MP06"}


def test_the_draws_follow_their_published_anchors_within_the_valid_range(framework_v2):
    values, indicators, _ceiling, _warnings = _audited(framework_v2, 2)
    column = {i.code: values[-1, :CITIES, n] for n, i in enumerate(indicators)}
    assert np.median(column["PS01"]) == pytest.approx(0.02, rel=0.35)
    assert column["MP09"].mean() == pytest.approx(90, abs=3)
    assert set(np.unique(column["RS08"])) <= {0, 1, 2, 3, 4}
    for n, indicator in enumerate(indicators):
        low = -np.inf if indicator.min_value is None else indicator.min_value
        high = np.inf if indicator.max_value is None else indicator.max_value
        assert ((values[..., n] >= low) & (values[..., n] <= high)).all(), indicator.code


def test_better_regions_draw_better_values_and_later_years_are_better():
    latent = np.repeat([-2.0, 2.0], 200)
    drawn = draw_values([Column("SC05", True, 0, 100, 2), Column("SC03", False, 0, np.inf, 2)], latent,
                        np.zeros(len(latent), dtype=bool), 3, version=2, seed=1)
    weak, strong = drawn[:, :200].mean(axis=(0, 1)), drawn[:, 200:].mean(axis=(0, 1))
    assert weak[0] < strong[0]
    assert weak[1] > strong[1]
    assert drawn[0, :, 0].mean() < drawn[-1, :, 0].mean()
    assert Beta(70, 10).ppf(np.array([0.5]))[0] == pytest.approx(70, abs=1)
