"""docs/framework.md describes the default framework's version 2 as its file defines it: each indicator has one row
in the indicator tables, with the file's name, weight, class, provenance, levels, control, goalposts and evidence
mark, and the shares of the index by provenance are the ones the weights give. So the document cannot drift from
indicators/frameworks/smartgov-maturity-v2.yaml without a test failing."""

import math
import re
from pathlib import Path

import pytest

from indicators.framework_file import load_framework_file

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "framework.md"
FRAMEWORK_V2 = ROOT / "indicators" / "frameworks" / "smartgov-maturity-v2.yaml"
INDICATOR_HEADER = "| Code | 名称 | What it measures |"
PROVENANCE_HEADER = "| Provenance | 来源 | Indicators | Share of the index |"
LEVELS = {"省": "province", "市": "prefecture", "县": "county"}
INDEPENDENT = {"third_party", "provincial_survey"}
EVIDENCE = "✱"
FOOTNOTES = "¹²³"
NUMBER = re.compile(r"\d+(?:\.\d+)?")


@pytest.fixture(scope="module")
def document():
    return load_framework_file(FRAMEWORK_V2)


@pytest.fixture(scope="module")
def text():
    return DOC.read_text("utf-8")


def _indicators(document):
    return {i["code"]: (d, i) for d in document["dimensions"] for i in d["indicators"]}


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _tables(text: str, header: str) -> list[list[dict[str, str]]]:
    """Every markdown table of the text whose header line starts with `header`: its rows as column → cell."""
    tables, lines = [], text.splitlines()
    for n, line in enumerate(lines):
        if not line.startswith(header):
            continue
        columns, rows = _cells(line), []
        for row in lines[n + 2:]:
            if not row.startswith("|"):
                break
            rows.append(dict(zip(columns, _cells(row), strict=True)))
        tables.append(rows)
    return tables


def _rows(text: str) -> dict[str, dict[str, str]]:
    """Indicator code → its row in the indicator tables (the code cell without its evidence mark)."""
    rows: dict[str, dict[str, str]] = {}
    for table in _tables(text, INDICATOR_HEADER):
        for row in table:
            code = row["Code"].replace(EVIDENCE, "").strip()
            assert code not in rows, f"{code} has two rows"
            rows[code] = row
    return rows


def _number(x: float) -> str:
    return f"{x:g}"


def test_there_is_one_indicator_table_per_dimension_with_every_indicator_once(document, text):
    assert len(_tables(text, INDICATOR_HEADER)) == len(document["dimensions"])
    assert list(_rows(text)) == list(_indicators(document))


def test_every_row_gives_the_files_name_weight_class_provenance_levels_and_control(document, text):
    rows = _rows(text)
    for code, (_dimension, indicator) in _indicators(document).items():
        row = rows[code]
        assert row["名称"] == indicator["name"]["zh"], code
        assert float(row["Weight"]) == pytest.approx(indicator["weight"], abs=1e-12), code
        assert row["Class"] == indicator["indicator_class"], code
        assert row["Provenance"].strip("`") == indicator["provenance"], code
        assert row["Independent"].rstrip(FOOTNOTES) == ("yes" if indicator["provenance"] in INDEPENDENT else "no"), code
        assert {LEVELS[level] for level in row["Levels"].split()} == set(indicator["applies_to"]), code
        assert row["Control"] == indicator["control"], code
        assert (EVIDENCE in row["Code"]) == indicator["evidence_required"], code


def test_every_row_gives_the_files_goalposts_and_direction(document, text):
    rows = _rows(text)
    for code, (_dimension, indicator) in _indicators(document).items():
        cell, normalisation = rows[code]["Goalposts"], indicator["normalisation"]
        numbers = set(NUMBER.findall(cell))
        assert _number(normalisation["lower"]) in numbers, code
        if normalisation["method"] == "target":
            assert cell.startswith(f"target {_number(normalisation['target'])}"), code
        else:
            assert _number(normalisation["upper"]) in numbers, code
        assert cell.endswith("↑" if indicator["direction"] == "higher" else "↓"), code


def test_the_shares_of_the_index_by_provenance_are_the_ones_the_weights_give(document, text):
    shares: dict[str, float] = {}
    for dimension, indicator in _indicators(document).values():
        shares[indicator["provenance"]] = shares.get(indicator["provenance"], 0.0) + (
            dimension["weight"] * indicator["weight"])
    (table,) = _tables(text, PROVENANCE_HEADER)
    stated = {row["Provenance"].strip("`"): float(row["Share of the index"].rstrip(" %")) for row in table}
    for provenance, share in stated.items():
        assert math.isclose(100 * shares.get(provenance, 0.0), share, abs_tol=0.005), provenance
    assert set(shares) <= set(stated)
    independent = 100 * math.fsum(shares.get(p, 0.0) for p in INDEPENDENT)
    assert f"**{independent:.2f} %**" in text
