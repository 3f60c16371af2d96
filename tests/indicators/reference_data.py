"""Published composite indices and their components, read from the shared reference data.

The data are public (UN E-Government Survey, World Bank GovTech dataset) but are not copied into the project:
they are read from `$SMARTGOV_REFERENCE_DATA` when that is set, otherwise from `../shared/data/reference-indices`
next to the repository, otherwise from `/work/shared/data/reference-indices`. `data_dir()` is None when the
folder is absent, and the tests that need it are skipped. See the folder's README.md for the file sources.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

ENV = "SMARTGOV_REFERENCE_DATA"
_CANDIDATES = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "reference-indices",
    Path("/work/shared/data/reference-indices"),
)

EGDI_COMPONENTS = ("OSI", "TII", "HCI")
_UNU_COLUMNS = {"code": "country-code", "rank": "e-gov-rank", "EGDI": "e-gov-index",
                "OSI": "osi", "TII": "tii", "HCI": "hci"}
EGDI_SOURCES = {
    2014: ("unu_egov_egdi-2014.csv", _UNU_COLUMNS),
    2016: ("unu_egov_egdi-2016.csv", _UNU_COLUMNS),
    2018: ("unu_egov_egdi-2018.csv", _UNU_COLUMNS),
    2022: ("un_egdi_2022_EGOV_DATA_2022.csv",
           {"name": "Country Name", "rank": "E-Government Rank", "EGDI": "E-Government Index",
            "OSI": "Online Service Index", "TII": "Telecommunication Infrastructure Index",
            "HCI": "Human Capital Index"}),
    2024: ("un_egdi_2024_EGOV_DATA_2024.csv",
           {"name": "Country", "rank": "Rank", "EGDI": "E_Index",
            "OSI": "Online_Service", "TII": "Tele_Infra", "HCI": "Human_Capital"}),
}
EGDI_YEARS = tuple(EGDI_SOURCES)
RENAMED_SINCE_2018 = {"North Macedonia": "MKD", "Türkiye": "TUR"}
"""Member States whose UN name changed after the 2018 file, which is our name → code table."""

GTMI_FILE = "wb_gtmiR_groups_data_2020_2022_2025.xlsx"
GTMI_COMPONENTS = ("CGSI", "PSDI", "DCEI", "GTEI")
GTMI_YEARS = (2020, 2022, 2025)


def data_dir() -> Path | None:
    """The reference data folder, or None when it is absent (an explicit $SMARTGOV_REFERENCE_DATA wins)."""
    if os.environ.get(ENV):
        path = Path(os.environ[ENV])
        return path if path.is_dir() else None
    return next((path.resolve() for path in _CANDIDATES if path.is_dir()), None)


def absent_reason() -> str:
    """Why `data_dir()` is None, for the skip message."""
    if os.environ.get(ENV):
        return f"reference data absent: ${ENV}={os.environ[ENV]} is not a folder"
    return (f"reference data absent: neither {_CANDIDATES[0]} nor {_CANDIDATES[1]} exists "
            f"(set ${ENV} to the folder of the shared reference-indices data)")


@cache
def egdi(year: int) -> pd.DataFrame:
    """One row per UN Member State: code (ISO 3166 alpha-3), rank, EGDI, OSI, TII, HCI as published."""
    file, columns = EGDI_SOURCES[year]
    raw = pd.read_csv(data_dir() / file)
    frame = raw[list(columns.values())].set_axis(list(columns), axis=1)
    if "code" not in frame:  # 2022 and 2024 give names only, with trailing spaces
        names = frame.pop("name").str.strip()
        codes = _country_codes()
        unknown = sorted(set(names) - set(codes))
        if unknown:
            raise ValueError(f"EGDI {year}: no country code for {unknown}")
        frame.insert(0, "code", names.map(codes))
    return frame[["code", "rank", "EGDI", *EGDI_COMPONENTS]]


@cache
def _country_codes() -> dict[str, str]:
    """UN country name → code, from the 2018 file (the latest edition that gives codes)."""
    frame = pd.read_csv(data_dir() / EGDI_SOURCES[2018][0])
    return dict(zip(frame["country-name"].str.strip(), frame["country-code"], strict=True)) | RENAMED_SINCE_2018


@cache
def _gtmi_sheet() -> pd.DataFrame:
    return pd.read_excel(data_dir() / GTMI_FILE, dtype={"country_code": str, "country_name": str, "grp": str})


def gtmi(year: int) -> pd.DataFrame:
    """One row per economy: code, group (A–D), GTMI, CGSI, PSDI, DCEI, GTEI as published.

    The sheet ends with summary rows (2025), recognisable by a country_code that is not three letters.
    """
    sheet = _gtmi_sheet()
    rows = sheet[sheet["country_code"].str.fullmatch("[A-Z]{3}") & (sheet["year"] == year)]
    renamed = rows.rename(columns={"country_code": "code", "grp": "group", "gtmi": "GTMI"}
                          | {c.lower(): c for c in GTMI_COMPONENTS})
    return renamed[["code", "group", "GTMI", *GTMI_COMPONENTS]].reset_index(drop=True)


def gtmi_2025_summary() -> dict[str, tuple[float, int]]:
    """The 2025 sheet's own summary rows: group → (lower threshold, number of economies), for A, B and C."""
    sheet = _gtmi_sheet()
    rows = sheet[~sheet["country_code"].str.fullmatch("[A-Z]{3}") & sheet["country_name"].isin(list("ABCD"))]
    return {row.country_name: (float(row.country_code), int(row.grp)) for row in rows.itertuples()}


def tidy(frame: pd.DataFrame, year: int, components: tuple[str, ...]) -> pd.DataFrame:
    """The engine's input: region (country code), period (year), indicator (component), value."""
    long = frame.melt(id_vars="code", value_vars=list(components), var_name="indicator", value_name="value")
    return long.rename(columns={"code": "region"}).assign(period=year)[["region", "period", "indicator", "value"]]


def decimals(values: pd.Series) -> int:
    """The number of decimals the values are published with (binary floating-point noise ignored)."""
    values = values.to_numpy(dtype=float)
    return next(p for p in range(13) if np.all(np.abs(values - np.round(values, p)) < 1e-9))
