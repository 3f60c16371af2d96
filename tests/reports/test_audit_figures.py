"""The figures of the statistical audit (`reports.audit_figures`): what they draw is the stored numbers, unrounded,
None a blank cell or a missing bar; and `restricted` keeps only the details of the regions a reader may see."""

import json

import numpy as np
import pandas as pd
import pytest
from django.utils import translation

from indicators.scoring import (
    DimensionSpec,
    FrameworkSpec,
    IndicatorSpec,
    NormalisationSpec,
    OutlierTreatment,
    UncertainInputs,
    audit,
    sensitivity,
)
from reports import audit_figures
from reports.selectors import restricted

LAYOUT = {"A": ["A1", "A2", "A3"], "B": ["B1", "B2"]}
CODES = [code for codes in LAYOUT.values() for code in codes]
REGIONS = [f"R{r:02d}" for r in range(12)]
NAMES = {"A": "甲维度", "B": "乙维度", "A1": "指标甲一", "A2": "指标甲二", "A3": "指标甲三", "B1": "指标乙一",
         "B2": "指标乙二", "index": "综合指数", **{code: f"城市{code}" for code in REGIONS}}


def _spec():
    normalisation = NormalisationSpec("minmax_observed")
    return FrameworkSpec(
        code="test", version=1, dimensions=(DimensionSpec("A", 0.6), DimensionSpec("B", 0.4)),
        indicators=tuple(IndicatorSpec(code=code, dimension=dimension, weight=1 / len(codes),
                                       normalisation=normalisation)
                         for dimension, codes in LAYOUT.items() for code in codes),
        bands=())


@pytest.fixture(scope="module")
def analysis():
    """Twelve regions, one value of B2 missing, one of A3 extreme (winsorised), B1 constant: an audit with None
    statistics and warnings, and a sensitivity analysis of three inputs. As stored: through JSON."""
    rng = np.random.default_rng(4)
    latent = rng.normal(size=(12, 1))
    values = 50 + 10 * latent + rng.normal(0, 4, size=(12, len(CODES)))
    values[:, CODES.index("B1")] = 7.0
    values[3, CODES.index("B2")] = np.nan
    values[5, CODES.index("A3")] = 10_000.0
    frame = pd.DataFrame([{"region": region, "period": 2026, "indicator": code, "value": values[r, j]}
                          for r, region in enumerate(REGIONS) for j, code in enumerate(CODES)]).dropna()
    spec = _spec()
    inputs = UncertainInputs(weight_range=0.25, normalisations=("spec", "zscore"), aggregations=("arithmetic",
                                                                                                  "geometric"))
    stored_audit = audit(frame, spec, OutlierTreatment("winsorise", max_points=2)).as_dict()
    stored_sensitivity = sensitivity(frame, spec, inputs, base_samples=32).as_dict()
    return json.loads(json.dumps(stored_audit)), json.loads(json.dumps(stored_sensitivity))


@pytest.fixture
def period(analysis):
    return analysis[0]["periods"][0]


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def test_the_correlation_heatmaps_draw_the_stored_coefficients_with_blank_cells_for_none(period):
    correlations = period["correlations"]
    assert any(value is None for row in correlations["pearson"] for value in row)  # B1 is constant
    for method in ("pearson", "spearman"):
        figure = audit_figures.correlation_heatmap(correlations, NAMES, method=method)
        [heatmap] = figure.data
        assert [list(row) for row in heatmap.z] == correlations[method]
        assert list(heatmap.x) == ["A1", "A2", "A3", "B1", "B2", "甲维度", "乙维度", "综合指数"]
        assert list(heatmap.y) == list(heatmap.x)
        assert (heatmap.zmin, heatmap.zmax, heatmap.zmid) == (-1, 1, 0)
        assert heatmap.hoverongaps is False
        assert list(heatmap.customdata[0][5][:2]) == ["A1 指标甲一", "甲维度"]
        assert heatmap.customdata[0][4][2] == correlations["pairs"][0][4] == 11  # B2 misses one region
    assert "斯皮尔曼" in audit_figures.correlation_heatmap(correlations, NAMES, method="spearman").data[0].hovertemplate


def test_the_weight_bars_draw_the_nominal_and_effective_weights(period):
    importance = period["importance"]
    figure = audit_figures.weight_bars(importance, NAMES, level="indicator")
    nominal, effective = figure.data
    within = [row for row in importance if row["level"] == "indicator" and row["aggregate"] != "index"]
    assert list(nominal.x) == [row["nominal"] for row in within]
    assert list(effective.x) == [row["effective"] for row in within]
    assert nominal.y[0] == "A1 指标甲一"
    assert (nominal.name, effective.name) == ("名义权重", "实际权重")
    assert figure.layout.xaxis.tickformat == ".0%"
    figure = audit_figures.weight_bars(importance, NAMES, level="dimension")
    dimensions = [row for row in importance if row["level"] == "dimension"]
    assert list(figure.data[0].x) == [row["nominal"] for row in dimensions] == [0.6, 0.4]
    assert list(figure.data[1].x) == [row["effective"] for row in dimensions]
    assert list(figure.data[0].y) == ["甲维度", "乙维度"]


def test_the_consistency_figures_draw_alpha_the_first_share_and_the_loadings(period):
    consistency = period["consistency"]
    alpha, share = audit_figures.consistency_bars(consistency, NAMES).data
    assert list(alpha.y) == [row["alpha"] for row in consistency]
    assert list(share.y) == [row["first_share"] for row in consistency]
    assert list(alpha.x) == ["甲维度", "乙维度"]
    figure = audit_figures.loadings_bars(consistency, NAMES)
    drawn = {trace.name: list(trace.y) for trace in figure.data}
    for row in consistency:
        if any(value is not None for value in row["loadings"]):
            assert drawn[NAMES[row["dimension"]]] == row["loadings"]


def test_the_rank_intervals_draw_rank_median_and_percentiles_sorted_by_rank(analysis):
    regions = analysis[1]["regions"]
    figure = audit_figures.rank_intervals(regions, NAMES)
    whiskers, medians, ranks = figure.data
    ordered = sorted(regions, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["rank_median"], r["region"]))
    assert list(ranks.y) == [NAMES[r["region"]] for r in ordered]
    assert list(ranks.x) == [r["rank"] for r in ordered]
    assert list(medians.x) == [r["rank_median"] for r in ordered]
    assert list(whiskers.x) == [v for r in ordered for v in (r["rank_p05"], r["rank_p95"], None)]
    assert figure.layout.yaxis.autorange == "reversed"
    some = audit_figures.rank_intervals(regions[:2], NAMES)
    assert len(some.data[2].y) == 2
    assert audit_figures.rank_intervals([], NAMES).layout.annotations[0].text == "没有可显示的排名区间"


def test_the_sobol_bars_draw_s1_and_st_with_their_confidence(analysis):
    rank_shift = analysis[1]["rank_shift"]
    assert [row["input"] for row in rank_shift] == ["weights", "normalisation", "aggregation"]
    first, total = audit_figures.sobol_bars(rank_shift).data
    assert list(first.y) == [row["s1"] for row in rank_shift]
    assert list(total.y) == [row["st"] for row in rank_shift]
    assert list(first.error_y.array) == [row["s1_conf"] for row in rank_shift]
    assert list(total.error_y.array) == [row["st_conf"] for row in rank_shift]
    assert list(first.x) == ["权重", "标准化方法", "合成方法"]


def test_the_regions_sobol_heatmap_draws_each_regions_total_index(analysis):
    stored = analysis[1]
    figure = audit_figures.sobol_heatmap(stored["regions"], NAMES, stored["inputs"])
    [heatmap] = figure.data
    ordered = sorted(stored["regions"], key=lambda r: (r["rank"] is None, r["rank"] or 0, r["rank_median"],
                                                       r["region"]))
    assert list(heatmap.y) == [NAMES[r["region"]] for r in ordered]
    expected = [[next(i["st"] for i in r["indices"] if i["input"] == name) if r["indices"] else None
                 for name in stored["inputs"]] for r in ordered]
    assert [list(row) for row in heatmap.z] == expected


def test_figures_print_in_english_too(analysis, period):
    with translation.override("en"):
        assert list(audit_figures.sobol_bars(analysis[1]["rank_shift"]).data[0].x) == [
            "Weights", "Normalisation<br>method", "Aggregation<br>method"]
        assert audit_figures.weight_bars(period["importance"], {}).data[0].name == "Nominal weight"


def test_restricted_keeps_the_details_of_the_visible_regions_only(analysis):
    stored_audit, stored_sensitivity = analysis
    a3 = next(t for t in stored_audit["periods"][0]["treatments"] if t["indicator"] == "A3")
    assert [p["region"] for p in a3["points"]] == ["R05"]

    kept_audit, kept_sensitivity = restricted(stored_audit, stored_sensitivity, {"R01", "R02"})
    a3 = next(t for t in kept_audit["periods"][0]["treatments"] if t["indicator"] == "A3")
    assert (a3["points"], a3["moved"]) == ([], 1)
    assert [r["region"] for r in kept_sensitivity["regions"]] == ["R01", "R02"]
    assert kept_sensitivity["hidden_regions"] == 10
    assert kept_sensitivity["rank_shift"] == stored_sensitivity["rank_shift"]
    assert kept_audit["periods"][0]["correlations"] == stored_audit["periods"][0]["correlations"]
    assert restricted(kept_audit, kept_sensitivity, {"R01", "R02"}) == (kept_audit, kept_sensitivity)
    assert len(stored_sensitivity["regions"]) == 12  # the stored dicts are left as they were

    everyone = restricted(stored_audit, stored_sensitivity, None)
    assert len(everyone[1]["regions"]) == 12
    assert everyone[1]["hidden_regions"] == 0
    no_ranks = restricted(stored_audit, stored_sensitivity, None, ranks_shown=False)
    assert no_ranks[1]["regions"] == []
    assert restricted(None, None, None) == (None, None)
