"""The fingerprint of a run's inputs: order-free, sensitive to every code and value, and the fingerprints runs
stored before it changed still recognised."""

import numpy as np
import pandas as pd
import pytest

from assessments.models import ScoreRun
from assessments.selectors import cycle_values_frame
from assessments.services import cycle_scores_are_current
from assessments.services.inputs_fingerprint import csv_fingerprint, inputs_fingerprint, matches

from ..factories import approved_cycle, many_cities, score

VALUES = pd.DataFrame({"region": ["330100", "330100", "330200", "330200"], "period": [2025, 2026, 2025, 2026],
                       "indicator": ["RS01", "RS01", "RS01", "PS02"], "value": [80.5, np.nan, 0.1 + 0.2, 1e-300]})


def test_the_same_values_in_any_order_give_the_same_fingerprint():
    shuffled = VALUES.sample(frac=1.0, random_state=3).reset_index(drop=True)
    assert inputs_fingerprint(shuffled) == inputs_fingerprint(VALUES)
    assert len(inputs_fingerprint(VALUES)) == 64


@pytest.mark.parametrize(("column", "row", "new"), [("value", 0, 80.50000000000001), ("value", 1, 0.0),
                                                    ("region", 0, "330101"), ("indicator", 3, "PS01"),
                                                    ("period", 3, 2024)])
def test_any_changed_code_or_value_changes_it(column, row, new):
    changed = VALUES.copy()
    changed.loc[row, column] = new
    assert inputs_fingerprint(changed) != inputs_fingerprint(VALUES)


def test_codes_cannot_run_into_each_other():
    a = pd.DataFrame({"region": ["1", "12"], "period": [2026, 2026], "indicator": ["23", "3"], "value": [1.0, 2.0]})
    b = pd.DataFrame({"region": ["12", "1"], "period": [2026, 2026], "indicator": ["3", "23"], "value": [1.0, 2.0]})
    assert inputs_fingerprint(a) != inputs_fingerprint(b)


def test_both_kinds_match_their_values_and_nothing_else():
    changed = VALUES.assign(value=VALUES["value"] + 1)
    assert matches(inputs_fingerprint(VALUES), VALUES)
    assert matches(csv_fingerprint(VALUES), VALUES)
    assert not matches(csv_fingerprint(VALUES), changed)
    assert not matches(inputs_fingerprint(VALUES), changed)


@pytest.mark.django_db
def test_a_run_fingerprinted_the_old_way_is_still_current(framework, regions):
    cycle = approved_cycle(framework, many_cities(3, regions["zhejiang"]), 2026)
    score(cycle)
    cycle.refresh_from_db()
    values, _parents = cycle_values_frame(cycle)
    ScoreRun.objects.filter(pk=cycle.current_run_id).update(inputs_fingerprint=csv_fingerprint(values))
    cycle.refresh_from_db()
    assert cycle_scores_are_current(cycle)
    ScoreRun.objects.filter(pk=cycle.current_run_id).update(inputs_fingerprint="0" * 64)
    cycle.refresh_from_db()
    assert not cycle_scores_are_current(cycle)
