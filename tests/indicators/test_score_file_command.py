"""`manage.py score_file`: the worked example of docs/scoring.md as the documentation prints it, refusals as a
non-zero exit with every problem, and the UN EGDI reproduced end to end from the command line (from the shared
reference data, skipped when it is absent; never copied into the project)."""

import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from . import reference_data as ref
from .test_reference_indices import (
    EGDI_FOURTH_DECIMAL_ONLY,
    EGDI_GROUPS,
    EGDI_RANK_EXCEPTIONS,
    EGDI_THRESHOLDS,
    rounding_bound,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "score-file"
DOC = ROOT / "docs" / "scoring.md"
EGDI_FRAMEWORK = ROOT / "indicators" / "frameworks" / "un-egdi.yaml"
needs_data = pytest.mark.skipif(ref.data_dir() is None, reason=ref.absent_reason())


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("score_file", *map(str, args), "--language", "en", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def section() -> str:
    """The documentation's section on scoring a file without a cycle."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index("Scoring a file without a cycle\n")
    return text[start:text.index("\n## ", start)]


def read_results(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"region": str})


def test_it_writes_the_results_of_the_worked_example_as_the_documentation_prints_them(tmp_path):
    out = tmp_path / "results.csv"
    printed, _ = run(EXAMPLE / "framework.yaml", EXAMPLE / "values.csv", "--groups", EXAMPLE / "groups.csv",
                     "--out", out)
    documented = re.search(r"```csv\n(.*?)```", section(), re.S).group(1)
    assert out.read_bytes().decode("utf-8-sig").replace("\r\n", "\n") == documented
    assert "Framework: Example index (tiny-example v1)" in printed
    assert "Regions: 4 · periods: 1 (2024) · indicators: 3 of 3" in printed
    assert re.search(r"1\s+north\s+79\.00\s+L3 Leading", printed)
    assert re.search(r"4\s+west\s+48\.00\s+L1 Emerging", printed)
    assert "Audit of 2024: 1 warning." in printed
    assert "[single_indicator] services" in printed


def test_the_python_of_the_documentation_runs_as_written(monkeypatch):
    monkeypatch.chdir(ROOT)
    code = re.search(r"```python\n(.*?)```", section(), re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "docs/scoring.md", "exec"), namespace)  # noqa: S102 - our own documentation
    assert namespace["scored"].table()["index"].round(9).tolist() == [62, 79, 56, 48]
    assert namespace["checks"]["periods"][0]["regions"] == 4


def test_it_writes_the_csv_to_stdout_and_the_summary_to_stderr(tmp_path):
    printed, said = run(EXAMPLE / "framework.yaml", EXAMPLE / "values.csv", "--out", "-")
    assert printed.splitlines()[0] == "region,period,index,level,rank,services,infrastructure"
    assert printed.splitlines()[2] == "north,2024,79,3,1,80,77.5"
    assert "Framework: Example index" in said


def test_it_writes_the_audit_as_json(tmp_path):
    path = tmp_path / "audit.json"
    _, said = run(EXAMPLE / "framework.yaml", EXAMPLE / "values.csv", "--audit", path)
    audit = json.loads(path.read_text(encoding="utf-8"))
    (period,) = audit["periods"]
    assert period["period"] == 2024
    assert [row["indicator"] for row in period["indicators"]] == ["online", "broadband", "wait"]
    assert f"Audit written to {path}." in said


def test_refused_files_end_it_with_every_problem(tmp_path):
    values = tmp_path / "values.csv"
    values.write_text("region,period,indicator,value\nnorth,2024,onlin,80\nnorth,2024,wait,many\n", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        run(EXAMPLE / "framework.yaml", values, "--out", tmp_path / "results.csv")
    assert str(caught.value).splitlines() == [
        "The files were refused:",
        "  Values file, line 2, column indicator: “onlin” is not an indicator of the framework (did you mean "
        "“online”?); 1 row(s).",
        "  Values file, line 3, column value: “many” is not a number.",
    ]
    assert not (tmp_path / "results.csv").exists()


def test_a_missing_file_is_refused_by_name(tmp_path):
    with pytest.raises(CommandError, match=r"Framework file: Cannot read .*nothing\.yaml"):
        run(tmp_path / "nothing.yaml", EXAMPLE / "values.csv")


def test_it_speaks_chinese_by_default(tmp_path, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    out = io.StringIO()
    call_command("score_file", str(EXAMPLE / "framework.yaml"), str(EXAMPLE / "values.csv"), stdout=out)
    assert "示例指数" in out.getvalue()
    assert "L3 领先" in out.getvalue()


# --- the UN EGDI from the command line --------------------------------------------------------------------

def egdi_framework(tmp_path: Path, rank_decimals: int) -> Path:
    """The shipped un-egdi.yaml, ranked at `rank_decimals` on 0–100 (2 as shipped; 3 for the editions that publish
    the EGDI with 5 decimals, as test_reference_indices does)."""
    text = EGDI_FRAMEWORK.read_text(encoding="utf-8")
    changed = re.sub(r"(?m)^(  rank_decimals: )2\b", rf"\g<1>{rank_decimals}", text)
    assert changed != text or rank_decimals == 2
    path = tmp_path / f"un-egdi-{rank_decimals}.yaml"
    path.write_text(changed, encoding="utf-8")
    return path


@needs_data
@pytest.mark.parametrize("year", ref.EGDI_YEARS)
def test_score_file_reproduces_the_published_egdi_values_and_ranks(year, tmp_path):
    published = ref.egdi(year).set_index("code")
    values = tmp_path / f"egdi-{year}.csv"
    ref.tidy(published.reset_index(), year, ref.EGDI_COMPONENTS).to_csv(values, index=False)
    egdi_decimals = ref.decimals(published["EGDI"])
    out = tmp_path / "results.csv"

    printed, _ = run(egdi_framework(tmp_path, egdi_decimals - 2), values, "--out", out)

    ours = read_results(out).set_index("region").loc[published.index]
    assert (ours["period"] == year).all()
    assert list(ours.columns) == ["period", "index", "level", "rank", "OSI", "TII", "HCI"]
    diff = (ours["index"] / 100 - published["EGDI"]).abs()
    bound = 0.5e-4 if year in EGDI_FOURTH_DECIMAL_ONLY else rounding_bound(published, "EGDI", ref.EGDI_COMPONENTS)
    assert diff.max() <= bound, (diff.idxmax(), diff.max())
    differing = ours["rank"] != published["rank"]
    assert ours.loc[differing, "rank"].to_dict() == EGDI_RANK_EXCEPTIONS.get(year, {})
    for component in ref.EGDI_COMPONENTS:  # the dimension columns are the components, × 100
        assert np.allclose(ours[component], 100 * published[component], rtol=0, atol=1e-9)
    published_groups = np.searchsorted(EGDI_THRESHOLDS, published["EGDI"], side="right") + 1
    assert (ours["level"].map(EGDI_GROUPS) == pd.Series(published_groups, index=published.index).map(EGDI_GROUPS)
            ).all()
    best = published.sort_values("rank").index[0]
    assert re.search(rf"\n\s+1\s+{best}\s", printed)
    assert f"Regions: 193 · periods: 1 ({year}) · indicators: 3 of 3" in printed
