"""Scoring from files without a cycle (`indicators.score_file`): the worked example of docs/scoring.md, every refusal
naming its file, line and column, comparison groups, and the results CSV (plain numbers, no formulas). Pure: no
database."""

import csv
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators.score_file import (
    MAX_PROBLEMS,
    ScoreFileError,
    number_cell,
    read_framework,
    read_groups,
    read_values,
    score_file,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "score-file"
FRAMEWORK = (EXAMPLE / "framework.yaml").read_bytes()
HEADER = "region,period,indicator,value\n"
CODES = ["online", "broadband", "wait"]


def values(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(f"{row}\n" for row in rows)).encode()


def example_rows(region="north", period="2024", online=80, broadband=40, wait=5) -> list[str]:
    return [f"{region},{period},online,{online}", f"{region},{period},broadband,{broadband}",
            f"{region},{period},wait,{wait}"]


def refused(framework=FRAMEWORK, data=b"", **kwargs) -> list:
    with pytest.raises(ScoreFileError) as caught:
        score_file(framework, data, **kwargs)
    return caught.value.problems


def described(problems) -> list[tuple]:
    return [(p.file, p.line, p.column, p.text()) for p in problems]


def results_rows(scored) -> list[list[str]]:
    return list(csv.reader(io.StringIO(scored.csv_bytes().decode("utf-8-sig"))))


# --- the worked example -----------------------------------------------------------------------------------

def test_it_scores_the_worked_example_of_the_documentation():
    scored = score_file(EXAMPLE / "framework.yaml", EXAMPLE / "values.csv", groups=EXAMPLE / "groups.csv")
    table = scored.table().set_index("region")
    assert table["index"].round(9).to_dict() == {"east": 62, "north": 79, "south": 56, "west": 48}
    assert table["rank"].to_dict() == {"east": 2, "north": 1, "south": 3, "west": 4}
    assert table["level"].to_dict() == {"east": 2, "north": 3, "south": 2, "west": 1}
    assert table["infrastructure"].to_dict() == {"east": 20, "north": 77.5, "south": 50, "west": 75}
    assert table["rank_in_coastal"].dropna().to_dict() == {"east": 1, "south": 2}
    assert (scored.regions, scored.indicators, scored.periods, scored.latest) == (4, 3, [2024], 2024)
    assert scored.audit_dict()["periods"][0]["period"] == 2024
    assert scored.notes == ()


def test_it_reads_the_framework_from_a_path_or_bytes_in_yaml_or_json():
    import json

    document, spec = read_framework(EXAMPLE / "framework.yaml")
    assert read_framework(FRAMEWORK)[1] == spec
    assert read_framework(json.dumps(document).encode())[1] == spec
    assert read_framework("\ufeff".encode() + FRAMEWORK)[1] == spec
    assert [i.code for i in spec.indicators] == CODES


# --- the values file --------------------------------------------------------------------------------------

def test_it_reads_a_values_file_with_a_byte_order_mark_crlf_semicolons_and_blank_lines():
    data = "\ufeffRegion ; Period;Indicator;Value;note\r\n\r\nnorth;2024;online; 80 ;a remark\r\n\r\n".encode()
    frame = read_values(data, CODES)
    assert frame.astype({"region": str, "indicator": str}).to_dict("records") == [
        {"region": "north", "period": 2024, "indicator": "online", "value": 80.0}]


def test_periods_of_digits_are_numbers_and_others_text():
    assert read_values(values("a,2024,online,1", "a,2023,online,2"))["period"].tolist() == [2024, 2023]
    assert read_values(values("a,2024Q1,online,1", "a,2024,online,2"))["period"].tolist() == ["2024Q1", "2024"]
    assert read_values(values("a,0101,online,1"))["period"].tolist() == ["0101"]


def test_an_empty_value_is_missing_and_said_so():
    scored = score_file(FRAMEWORK, values(*example_rows(), "south,2024,online,", "south,2024,broadband,25",
                                          "south,2024,wait,10"))
    assert np.isnan(scored.values["value"]).sum() == 1
    assert [n.text() for n in scored.notes] == ["Empty values, counted as missing: 1."]
    south = scored.table().set_index("region").loc["south"]
    assert pd.isna(south["services"])  # no score: its only indicator is missing
    assert pd.isna(south["rank"])  # incomplete: not ranked


def test_a_header_without_its_columns_is_refused_on_line_1():
    assert described(refused(data=b"region,year,indicator\nx,2024,online\n")) == [
        ("values", 1, None, "The header lacks the column(s) period, value: it must name region, period, "
                            "indicator, value.")]
    assert described(refused(data=b"region,period,indicator,value,Value\n")) == [
        ("values", 1, None, "The header names value more than once.")]


def test_an_empty_file_or_a_header_alone_is_refused():
    assert described(refused(data=b"")) == [
        ("values", 1, None, "The file is empty: it needs a header (region, period, indicator, value) and rows.")]
    assert described(refused(data=b"\n\n")) == described(refused(data=b""))
    assert described(refused(data=values())) == [("values", 1, None, "The file has a header but no rows.")]
    assert described(refused(data=values(",,,", ""))) == [("values", 1, None, "The file has a header but no rows.")]


def test_every_problem_of_the_values_is_named_by_line_and_column():
    data = values(
        "north,2024,online,80",      # line 2
        "",                          # line 3: blank, skipped
        "north,2024,onlin,80",       # line 4: unknown code, near "online"
        "north,2024,broadband,lots",  # line 5
        "north,2024,online,81",      # line 6: repeats line 2
        ",2024,wait,5",              # line 7: no region
        "south,2024,wait,inf",       # line 8: not finite
        "south,,wait,3",             # line 9: no period
        "south,2024,speed,3",        # line 10: unknown, nothing near
        "south,2024,onlin,3",        # line 11: the same unknown code again
    )
    assert described(refused(data=data)) == [
        ("values", 4, "indicator", "“onlin” is not an indicator of the framework (did you mean “online”?); 2 row(s)."),
        ("values", 5, "value", "“lots” is not a number."),
        ("values", 6, None, "north / 2024 / online is already on line 2."),
        ("values", 7, "region", "This cell must not be empty."),
        ("values", 8, "value", "“inf” is not a number."),
        ("values", 9, "period", "This cell must not be empty."),
        ("values", 10, "indicator", "“speed” is not an indicator of the framework; 1 row(s)."),
    ]


def test_a_row_with_more_fields_than_the_header_is_refused_by_line():
    data = values("north,2024,online,80", "north,2024,wait,5,extra", "north,2024,broadband,1,2,3")
    assert described(refused(data=data)) == [
        ("values", 3, None, "This row has 5 fields; the header has 4."),
        ("values", 4, None, "This row has 6 fields; the header has 4."),
    ]
    assert read_values(values("north,2024,online,80,,")) is not None  # empty trailing fields are harmless


def test_a_quoted_field_over_two_lines_is_refused_alone():
    data = values("north,2024,online,80", '"so\nuth",2024,online,x')
    assert described(refused(data=data)) == [("values", 3, None, "A quoted field spans more than one line.")]


def test_a_file_that_is_not_utf8_is_refused_with_its_line():
    data = values("north,2024,online,80") + "杭州,2024,wait,5\n".encode("gb18030")
    assert described(refused(data=data)) == [
        ("values", 3, None, "The file is not UTF-8 text: save it as “CSV UTF-8” (or UTF-8 YAML/JSON) and upload it "
                            "again.")]


def test_codes_over_200_characters_are_refused():
    assert described(refused(data=values(f"{'x' * 201},2024,online,1"))) == [
        ("values", 2, "region", "At most 200 characters.")]


def test_a_file_over_the_row_limit_is_refused():
    data = values(*example_rows(), "south,2024,online,1")
    assert described(refused(data=data, max_rows=3)) == [
        ("values", None, None, "The file has more than 3 rows; split it.")]
    assert score_file(FRAMEWORK, data, max_rows=4).regions == 2


def test_the_problems_listed_stop_at_the_limit_with_a_count_of_the_rest():
    problems = refused(data=values(*(f"r{i},2024,online,x" for i in range(MAX_PROBLEMS + 7))))
    assert len(problems) == MAX_PROBLEMS + 1
    assert [p.line for p in problems[:3]] == [2, 3, 4]
    assert problems[-1].text() == "… and 7 more problems."


def test_the_problems_of_every_file_are_reported_together():
    framework = FRAMEWORK.replace(b"weight: 0.6", b"weight: 0.7")
    problems = refused(framework, values("north,2024,online,x"), groups=b"group\n")
    assert described(problems) == [
        ("framework", None, None, "the weights of the dimensions must sum to 1 (they sum to 1.1)"),
        ("values", 2, "value", "“x” is not a number."),
        ("groups", 1, None, "The header lacks the column(s) region: it must name group, region."),
    ]
    assert problems[0].path == "dimensions"
    assert str(problems[1]) == "Values file, line 2, column value: “x” is not a number."
    assert str(problems[0]) == ("Framework file, dimensions: the weights of the dimensions must sum to 1 (they sum "
                                "to 1.1)")


def test_a_framework_that_is_not_yaml_is_refused_with_its_line():
    (problem,) = refused(b"format: smartgov-framework/1\ncode: [x\n", values("a,1,online,1"))
    assert (problem.file, problem.line) == ("framework", 3)
    assert problem.text().startswith("This is not valid YAML or JSON: ")


def test_a_billion_laughs_framework_is_refused_unread():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    (problem,) = refused("\n".join(lines).encode(), values("a,1,online,1"))
    assert problem.text() == "The framework file holds more than 200000 values."


def test_missing_files_are_refused_with_their_names(tmp_path):
    (problem,) = refused(tmp_path / "nothing.yaml", values("a,1,online,1"))
    assert problem.text().startswith(f"Cannot read {tmp_path / 'nothing.yaml'}: ")


def test_the_audited_period_is_the_latest_unless_one_is_asked():
    data = values(*example_rows(period="2023"), *example_rows(region="south", period="2023", online=50),
                  *example_rows(period="2024"), *example_rows(region="south", period="2024"))
    assert score_file(FRAMEWORK, data).audit_period == 2024
    scored = score_file(FRAMEWORK, data, audit_period="2023")
    assert scored.audit_period == 2023
    assert scored.audit_dict()["periods"][0]["period"] == 2023
    assert [p.text() for p in refused(data=data, audit_period="2030")] == ["No row has the period 2030."]


# --- groups -----------------------------------------------------------------------------------------------

def test_groups_rank_their_members_and_name_the_members_without_values():
    data = values(*example_rows(), *example_rows(region="south", online=60), *example_rows(region="east", online=90))
    groups = b"group,region\nbig,north\nbig,south\nbig,nowhere\nsmall,east\n"
    assert read_groups(groups) == {"big": ["north", "south", "nowhere"], "small": ["east"]}
    scored = score_file(FRAMEWORK, data, groups=groups)
    table = scored.table().set_index("region")
    assert list(table.columns) == ["period", "index", "level", "rank", "rank_in_big", "rank_in_small", "services",
                                   "infrastructure"]
    assert table["rank_in_big"].dropna().to_dict() == {"north": 1, "south": 2}
    assert table["rank_in_small"].dropna().to_dict() == {"east": 1}
    assert [n.text() for n in scored.notes] == ["Group big: members without values, not ranked (1): nowhere."]


def test_groups_files_are_refused_by_line():
    groups = b"group,region\nbig,north\n,south\nbig,north\nbig,\n"
    assert described(refused(data=values(*example_rows()), groups=groups)) == [
        ("groups", 3, "group", "This cell must not be empty."),
        ("groups", 4, None, "big / north is already on line 2."),
        ("groups", 5, "region", "This cell must not be empty."),
    ]


def test_a_dimension_code_that_is_a_column_name_gets_a_prefix():
    framework = FRAMEWORK.replace(b"code: services", b"code: rank")
    scored = score_file(framework, values(*example_rows()))
    assert list(scored.table().columns)[-2:] == ["dimension_rank", "infrastructure"]


# --- the results CSV --------------------------------------------------------------------------------------

def test_the_results_csv_has_a_byte_order_mark_and_the_documented_columns():
    scored = score_file(EXAMPLE / "framework.yaml", EXAMPLE / "values.csv", groups=EXAMPLE / "groups.csv")
    data = scored.csv_bytes()
    assert data.startswith("\ufeff".encode())
    assert results_rows(scored) == [
        ["region", "period", "index", "level", "rank", "rank_in_coastal", "services", "infrastructure"],
        ["east", "2024", "62", "2", "2", "1", "90", "20"],
        ["north", "2024", "79", "3", "1", "", "80", "77.5"],
        ["south", "2024", "56", "2", "3", "2", "60", "50"],
        ["west", "2024", "48", "1", "4", "", "30", "75"],
    ]


def test_numbers_are_written_plainly_without_exponent_noise():
    assert [number_cell(x) for x in (27.099999999999998, 1e-7, 123456789.125, 100.0, -0.0, float("nan"), 1 / 3)] == [
        "27.1", "0.0000001", "123456789.125", "100", "0", "", "0.333333333333"]
    scored = score_file(FRAMEWORK, values(*example_rows(online=0.00001), *example_rows(region="south")))
    row = dict(zip(*results_rows(scored)[:2], strict=True))
    assert row["services"] == "0.00001"
    assert "e" not in "".join(cell for r in results_rows(scored)[1:] for cell in r[2:])


def test_formula_like_region_periods_and_group_names_are_written_as_text():
    rows = [*example_rows(region="=HYPERLINK(\"http://evil\")"), *example_rows(region="@SUM(A1)", period="+2024x"),
            *example_rows(region="-1.5"), *example_rows(region="+cmd|' /C calc'!A0")]
    groups = b"group,region\n=evil(),@SUM(A1)\n=evil(),-1.5\n"
    scored = score_file(FRAMEWORK, values(*rows), groups=groups)
    written = results_rows(scored)
    assert written[0][5] == "rank_in_=evil()"  # begins with "r": nothing to quote
    cells = {row[0] for row in written[1:]} | {row[1] for row in written[1:]}
    assert "'=HYPERLINK(\"http://evil\")" in cells
    assert "'@SUM(A1)" in cells
    assert "'+cmd|' /C calc'!A0" in cells
    assert "'+2024x" in cells
    assert "-1.5" in cells  # a signed number stays a number
    assert not [c for c in cells if c[:1] in "=+@" or (c[:1] == "-" and c != "-1.5")]


def test_the_module_imports_no_more_of_django_than_the_framework_file_reader():
    def loaded(module):
        code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert loaded("indicators.score_file") == loaded("indicators.framework_file")


# --- the levels file ------------------------------------------------------------------------------------------

COUNTY_FRAMEWORK = FRAMEWORK.replace(b"        weight: 0.5\n        source: example\n      - code: wait",
                                     b"        weight: 0.5\n        source: example\n        applies_to: [prefecture]\n"
                                     b"      - code: wait")


def test_a_levels_file_leaves_out_what_a_region_is_not_assessed_on():
    """`broadband` applies to prefectures only: the county `west` is scored on `wait` alone in infrastructure."""
    levels = b"region,level\nwest,county\nnorth,prefecture\n"
    scored = score_file(COUNTY_FRAMEWORK, EXAMPLE / "values.csv", levels=levels)
    table = scored.table().set_index("region")
    assert table.loc["west", "infrastructure"] == pytest.approx(90)
    assert table.loc["north", "infrastructure"] == pytest.approx(77.5)
    assert table.loc["west", "index"] == pytest.approx(0.6 * 30 + 0.4 * 90)
    plain = score_file(COUNTY_FRAMEWORK, EXAMPLE / "values.csv").table().set_index("region")
    assert plain.loc["west", "infrastructure"] == pytest.approx(75)


def test_a_levels_file_with_an_unknown_level_or_a_region_twice_is_refused_by_line():
    levels = b"region,level\nwest,city\nnorth,prefecture\nnorth,county\n"
    problems = described(refused(COUNTY_FRAMEWORK, (EXAMPLE / "values.csv").read_bytes(), levels=levels))
    assert problems == [("levels", 2, "level", "“city” is not a level: write province, prefecture, county."),
                        ("levels", 4, None, "north is already on line 3.")]
