"""The reference frameworks reproduce the published UN EGDI and World Bank GTMI from their public components.

For every edition in the shared reference data (see reference_data.py; never copied into the project) the
framework file is loaded, the published components are scored with `compute`, and the index, ranks and
levels are compared with the published composite, ranks and groups. Pure: no database. What does not
reproduce, and why, is written down here and in docs/reference-frameworks.md.
"""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators.framework_file import document_spec, load_framework_file
from indicators.scoring import compute

from . import reference_data as ref

FRAMEWORKS = Path(__file__).resolve().parents[2] / "indicators" / "frameworks"
needs_data = pytest.mark.skipif(ref.data_dir() is None, reason=ref.absent_reason())

EGDI_GROUPS = {1: "low", 2: "middle", 3: "high", 4: "very high"}
EGDI_THRESHOLDS = (0.25, 0.50, 0.75)
EGDI_GROUP_COUNTS = {  # UN E-Government Survey 2022 and 2024
    2022: {"very high": 60, "high": 73, "middle": 53, "low": 7},
    2024: {"very high": 76, "high": 62, "middle": 44, "low": 11},
}
EGDI_FOURTH_DECIMAL_ONLY = {2024}
"""Editions whose 5-decimal EGDI is not the mean of their 5-decimal components to within rounding.

2024 publishes EGDI, OSI, TII and HCI with 5 decimals, so rounding alone allows |mean − EGDI| ≤ 1e-5; the
data show up to 3.7e-5 (153 of 193 rows beyond 0.5e-5, e.g. Saint Kitts and Nevis 0.63054 published vs
0.630503 from its components). The 5th decimal of the 2024 EGDI therefore did not come from these
components; it reproduces to 4 decimals (every row within 0.5e-4), which is what is asserted.
"""
EGDI_RANK_EXCEPTIONS = {2024: {"IRQ": 147, "IND": 96}}
"""Our rank where it differs from the published one, caused by the 2024 5th-decimal mismatch above.

Kiribati (published 0.45723, rank 147) and Iraq (0.45721, rank 148) both have components averaging to
0.457210, so both rank 147. Jamaica (0.66777, rank 96) and India (0.66776, rank 97) average to 0.6677833 and
0.6677767, both 0.66778 at the published precision, so India ties Jamaica at 96.
"""
GTMI_LETTERS = {1: "D", 2: "C", 3: "B", 4: "A"}
GTMI_2022_SHARES = {"A": 35, "B": 23, "C": 27, "D": 15}
"""Percent of the 198 economies per group, World Bank, "2022 GovTech Maturity Index Update" web page."""
FLOAT_TOLERANCE = 1e-12
"""The GTMI is published unrounded (it is the components' mean to 1e-16): only floating point may differ."""


def spec_of(name: str):
    return document_spec(load_framework_file(FRAMEWORKS / f"{name}.yaml"))


def scored(values: pd.DataFrame, spec) -> pd.DataFrame:
    """`compute(...).index` keyed by country code."""
    index = compute(values, spec).index
    assert index["complete"].all()
    return index.assign(region=index["region"].astype(str)).set_index("region")


def rounding_bound(published: pd.DataFrame, composite: str, components: tuple[str, ...]) -> float:
    """The largest |mean of the components − composite| that rounding the published figures can explain.

    Half a unit in the composite's last published decimal, plus the mean of half a unit in each
    component's last published decimal (the composite is the mean of the components).
    """
    def half_unit(column):
        return 0.5 * 10.0 ** -ref.decimals(published[column])

    return half_unit(composite) + sum(half_unit(c) for c in components) / len(components)


@pytest.mark.parametrize("name", ["un-egdi", "wb-gtmi"])
def test_reference_framework_files_load_without_errors(name):
    document = load_framework_file(FRAMEWORKS / f"{name}.yaml")
    spec = document_spec(document)
    assert (spec.code, spec.version) == (name, 1)
    assert [b.min_score for b in spec.bands] == [0, 25, 50, 75]
    for item in (document, *document["dimensions"], *document["bands"]):
        assert all(item["name" if "name" in item else "label"].values())
    for dimension in document["dimensions"]:
        (indicator,) = dimension["indicators"]
        assert indicator["normalisation"] == {"method": "minmax_fixed", "lower": 0, "upper": 1, "target": None}
        assert indicator["code"] == dimension["code"]
        assert indicator["source"]


def test_egdi_ranks_the_index_at_four_decimals_and_gtmi_is_not_ranked():
    assert spec_of("un-egdi").rank_decimals == 2
    assert spec_of("wb-gtmi").rank_decimals is None


@needs_data
@pytest.mark.parametrize("year", ref.EGDI_YEARS)
def test_un_egdi_reproduces_the_published_index_ranks_and_groups(year):
    published = ref.egdi(year).set_index("code")
    assert len(published) == 193
    assert published.index.is_unique

    # The UN ranks the EGDI as published: competition ranks of the published column are the published ranks.
    egdi_decimals = ref.decimals(published["EGDI"])
    assert (published["EGDI"].round(egdi_decimals).rank(ascending=False, method="min") == published["rank"]).all()

    # So we rank our 0–100 index at the published precision less 2 decimals (2 in the file: 2018, 2022).
    spec = replace(spec_of("un-egdi"), rank_decimals=egdi_decimals - 2)
    ours = scored(ref.tidy(published.reset_index(), year, ref.EGDI_COMPONENTS), spec).loc[published.index]

    diff = (ours["index"] / 100 - published["EGDI"]).abs()
    bound = rounding_bound(published, "EGDI", ref.EGDI_COMPONENTS)
    if year in EGDI_FOURTH_DECIMAL_ONLY:
        assert diff.max() > bound  # still true? otherwise drop the exception
        bound = 0.5e-4
    assert diff.max() <= bound, diff.idxmax()

    differing = ours["rank"] != published["rank"]
    assert ours.loc[differing, "rank"].to_dict() == EGDI_RANK_EXCEPTIONS.get(year, {})

    published_groups = pd.Series(np.searchsorted(EGDI_THRESHOLDS, published["EGDI"], side="right") + 1,
                                 index=published.index).map(EGDI_GROUPS)
    our_groups = ours["level"].astype(int).map(EGDI_GROUPS)
    assert (our_groups == published_groups).all()
    if year in EGDI_GROUP_COUNTS:
        assert our_groups.value_counts().to_dict() == EGDI_GROUP_COUNTS[year]


@needs_data
def test_un_egdi_weights_are_exactly_one_third():
    published = ref.egdi(2022)
    weights = compute(ref.tidy(published, 2022, ref.EGDI_COMPONENTS), spec_of("un-egdi")).weights
    assert np.allclose(weights["weight"], 1 / 3, rtol=0, atol=1e-15)


@needs_data
@pytest.mark.parametrize("year", ref.GTMI_YEARS)
def test_wb_gtmi_reproduces_the_published_index_and_groups(year):
    published = ref.gtmi(year).set_index("code")
    assert len(published) == (197 if year == 2025 else 198)
    assert published.index.is_unique
    ours = scored(ref.tidy(published.reset_index(), year, ref.GTMI_COMPONENTS), spec_of("wb-gtmi"))
    ours = ours.loc[published.index]

    assert (ours["index"] / 100 - published["GTMI"]).abs().max() <= FLOAT_TOLERANCE
    assert ours["rank"].notna().all()  # ranked by us; the World Bank publishes no ranks to compare with
    letters = ours["level"].astype(int).map(GTMI_LETTERS)
    assert (letters == published["group"]).all()

    counts = letters.value_counts()
    if year == 2022:
        assert {g: round(100 * n / len(letters)) for g, n in counts.items()} == GTMI_2022_SHARES
    if year == 2025:
        bands = {GTMI_LETTERS[b.level]: b.min_score / 100 for b in spec_of("wb-gtmi").bands}
        assert ref.gtmi_2025_summary() == {g: (bands[g], counts[g]) for g in "ABC"}
