"""Build China's region register (`assessments/data/regions/cn-nbs-2023.yaml`) from the npm package china-division.

Run by hand when a new edition is wanted, never at run time (it needs the package and pypinyin, a dev tool):

    cd /tmp && npm pack china-division@2.7.0        # → china-division-2.7.0.tgz
    .venv/bin/python scripts/build_china_regions.py /tmp/china-division-2.7.0.tgz

The package (github.com/modood/Administrative-divisions-of-China, WTFPL) carries the National Bureau of
Statistics' 2023 statistical division codes (统计用区划代码, cut-off 2023-06-30) with Chinese names only, in
`dist/provinces.csv`, `dist/cities.csv` and `dist/areas.csv`. What this script does with them:

- codes become six digits (11 → 110000, 3301 → 330100); a country root CHN (中国, China) heads the tree;
- municipalities (北京, 天津, 上海, 重庆): the source's 市辖区 and 县 "city" rows are dropped, and their
  districts and counties hang directly under the province-level city; the county-level divisions governed
  directly by a province (省直辖县级行政区划, e.g. 湖北 仙桃市) hang directly under the province;
- rows that are not divisions are dropped: the NBS statistical units numbered x7x (economic development zones,
  high-tech zones, administrative areas: 统计用 only, not in GB/T 2260), and the placeholder county row the source
  gives a prefecture-level city without counties (东莞市 441900, 中山市 442000, 儋州市 460400, 嘉峪关市 620201);
- English names: provinces by their usual English names; prefecture-level cities as the pinyin of the stem
  (杭州市 → Hangzhou; a handful keep their established English form: Harbin, Hohhot, Lhasa…); other divisions
  with a type word (西湖区 → Xihu District, 淳安县 → Chun'an County, 自治州 → Autonomous Prefecture, 盟 → League,
  旗 → Banner, 林区 → Forestry District, 矿区 → Mining District), ethnic groups named in English, an apostrophe
  where pinyin syllables would run together (Xi'an), readings of place names that pypinyin gets wrong fixed
  below, and the two prefecture-level cities called Taizhou (泰州, 台州) told apart by their province, as the demo
  always did;
- Hong Kong, Macau and Taiwan are not in the NBS statistical codes (the package lists their districts without
  codes), so they are not in the register.

The script checks its output by reading it back with `assessments.regions_file` and prints the counts.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tarfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from pypinyin import Style, lazy_pinyin, load_phrases_dict, load_single_dict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUTPUT = ROOT / "assessments" / "data" / "regions" / "cn-nbs-2023.yaml"

EDITION = "NBS-2023"
VALID_FROM = "2023-06-30"
SOURCE = ("National Bureau of Statistics of China, 2023 statistical division codes "
          "(2023年统计用区划代码和城乡划分代码, cut-off 2023-06-30, published 2023-09-11), as packaged by the npm "
          "package china-division 2.7.0 "
          "(github.com/modood/Administrative-divisions-of-China, dist/provinces.csv, cities.csv, areas.csv)")
LICENCE = ("china-division: WTFPL (its LICENSE file; package.json says MIT). English names: pinyin by pypinyin, "
           "built by scripts/build_china_regions.py.")

PROVINCES_EN = {
    "11": "Beijing", "12": "Tianjin", "13": "Hebei", "14": "Shanxi", "15": "Inner Mongolia", "21": "Liaoning",
    "22": "Jilin", "23": "Heilongjiang", "31": "Shanghai", "32": "Jiangsu", "33": "Zhejiang", "34": "Anhui",
    "35": "Fujian", "36": "Jiangxi", "37": "Shandong", "41": "Henan", "42": "Hubei", "43": "Hunan",
    "44": "Guangdong", "45": "Guangxi", "46": "Hainan", "50": "Chongqing", "51": "Sichuan", "52": "Guizhou",
    "53": "Yunnan", "54": "Tibet", "61": "Shaanxi", "62": "Gansu", "63": "Qinghai", "64": "Ningxia",
    "65": "Xinjiang",
}
MUNICIPALITIES = {"11", "12", "31", "50"}
PLACEHOLDER_CITY_ROWS = {"1101", "1201", "3101", "5001", "5002"}
"""The source's 市辖区 and 县 rows of the municipalities: not divisions."""
DIRECTLY_GOVERNED = {"4190", "4290", "4690", "6590"}
"""省直辖县级行政区划 / 自治区直辖县级行政区划: the counties under them belong to the province itself."""
PLACEHOLDER_AREAS = {"441900", "442000", "460400", "620201"}
"""A prefecture-level city without counties repeated as its own county-level row."""

ENGLISH = {
    # Established English forms of prefecture-level cities whose pinyin reads oddly in English.
    "230100": "Harbin", "230200": "Qiqihar", "150100": "Hohhot", "650100": "Urumqi", "540100": "Lhasa",
    # The two prefecture-level cities called Taizhou, as the demo and its users have always told them apart.
    "321200": "Taizhou (Jiangsu)", "331000": "Taizhou (Zhejiang)",
    # Divisions whose name is not a stem and a type word.
    "429021": "Shennongjia Forestry District", "310115": "Pudong New Area", "120116": "Binhai New Area",
    "210113": "Shenbei New District", "460321": "Xisha Islands", "460322": "Nansha Islands",
    "460323": "Zhongsha Islands (reefs and waters)", "632857": "Da Qaidam Administrative Committee",
}
READINGS = {
    # Place names pypinyin reads wrongly (checked against the Ministry of Civil Affairs' romanisation).
    "长治": "chang zhi", "郫都": "pi du", "洪洞": "hong tong", "蔚": "yu", "涡阳": "guo yang", "单": "shan",
    "浚": "xun", "什邡": "shi fang", "阿勒泰": "a le tai", "筠连": "jun lian", "朝阳": "chao yang",
    "覃塘": "qin tang", "叶": "she", "六合": "lu he", "荥经": "ying jing", "柞水": "zha shui",
    "黄陂": "huang pi", "蠡": "li", "渑池": "mian chi", "伽师": "jia shi", "喀喇沁": "ka la qin",
    "乐亭": "lao ting", "东阿": "dong e", "番禺": "pan yu", "大埔": "da bu", "铅山": "yan shan",
    "犍为": "qian wei", "尉犁": "yu li", "曲阜": "qu fu", "长子": "zhang zi", "南乐": "nan le", "民乐": "min le",
    "曾都": "zeng du", "召陵": "shao ling", "闵行": "min hang", "珲春": "hun chun", "泊头": "bo tou",
    "马尾": "ma wei", "龙圩": "long xu", "漯河": "luo he", "万柏林": "wan bai lin", "浪卡子": "lang ka zi",
}
CHARACTERS = {"都": "du", "长": "chang", "勒": "le", "什": "shi", "蚌": "beng", "佛": "fo", "卡": "ka", "柏": "bai",
              "漯": "luo"}
"""How these characters read in place names, where pypinyin's first reading is another (昌都 Changdu)."""

TYPE_WORDS = (
    # (suffix, English type word), longest first.
    ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"),
    ("自治州", "Autonomous Prefecture"),
    ("特区", "Special District"),
    ("地区", "Prefecture"),
    ("县", "County"),
    ("区", "District"),
    ("旗", "Banner"),
    ("盟", "League"),
    ("市", "City"),
)
ETHNIC_GROUPS = {
    "朝鲜": "Korean", "土家": "Tujia", "苗": "Miao", "藏": "Tibetan", "羌": "Qiang", "彝": "Yi", "布依": "Bouyei",
    "侗": "Dong", "哈尼": "Hani", "壮": "Zhuang", "傣": "Dai", "白": "Bai", "景颇": "Jingpo", "傈僳": "Lisu",
    "回": "Hui", "蒙古": "Mongol", "柯尔克孜": "Kirgiz", "哈萨克": "Kazakh", "满": "Manchu", "达斡尔": "Daur",
    "鄂伦春": "Oroqen", "鄂温克": "Evenki", "畲": "She", "瑶": "Yao", "各": "Various Nationalities",
    "仫佬": "Mulao", "毛南": "Maonan", "黎": "Li", "仡佬": "Gelao", "水": "Sui", "纳西": "Naxi", "拉祜": "Lahu",
    "佤": "Va", "布朗": "Blang", "独龙": "Derung", "怒": "Nu", "普米": "Pumi", "裕固": "Yugur", "东乡": "Dongxiang",
    "保安": "Bonan", "撒拉": "Salar", "土": "Tu", "塔吉克": "Tajik", "锡伯": "Xibe",
}
BANNER_WORDS = (("联合", "United"), ("左翼", "Left"), ("右翼", "Right"), ("左", "Left"), ("右", "Right"),
                ("前", "Front"), ("中", "Middle"), ("后", "Rear"))
"""Words closing the stem of a Mongolian banner (乌拉特前旗 → Wulate Front Banner)."""


@dataclass
class Row:
    code: str
    parent: str | None
    level: str
    name_zh: str
    name_en: str = ""


def read_source(path: Path) -> dict[str, list[dict[str, str]]]:
    """The three CSV files of the package, from its .tgz or its unpacked folder."""
    names = ("provinces", "cities", "areas")
    if path.is_dir():
        base = path / "dist" if (path / "dist").is_dir() else path
        return {n: list(csv.DictReader((base / f"{n}.csv").open(encoding="utf-8"))) for n in names}
    with tarfile.open(path) as archive:
        tables = {}
        for n in names:
            member = archive.extractfile(f"package/dist/{n}.csv")
            if member is None:
                raise SystemExit(f"{path}: no package/dist/{n}.csv")
            tables[n] = list(csv.DictReader(io.TextIOWrapper(member, encoding="utf-8")))
        return tables


def build_rows(tables: dict[str, list[dict[str, str]]]) -> list[Row]:
    rows = [Row("CHN", None, "country", "中国", "China")]
    for p in tables["provinces"]:
        rows.append(Row(f"{p['code']}0000", "CHN", "province", p["name"], PROVINCES_EN[p["code"]]))
    for c in tables["cities"]:
        if c["code"] in PLACEHOLDER_CITY_ROWS | DIRECTLY_GOVERNED:
            continue
        rows.append(Row(f"{c['code']}00", f"{c['provinceCode']}0000", "prefecture", c["name"]))
    for a in tables["areas"]:
        if a["code"][4] == "7" or a["code"] in PLACEHOLDER_AREAS:
            continue
        city = a["cityCode"]
        parent = f"{a['provinceCode']}0000" if city in PLACEHOLDER_CITY_ROWS | DIRECTLY_GOVERNED else f"{city}00"
        rows.append(Row(a["code"], parent, "county", a["name"]))
    return rows


def syllables(text: str) -> list[str]:
    return lazy_pinyin(text, style=Style.NORMAL, v_to_u=True, errors="ignore")


def romanise(stem: str) -> str:
    """One word of pinyin with apostrophes where a syllable starting with a, o or e follows another."""
    word = ""
    reading = READINGS.get(stem)
    for syllable in reading.split() if reading else syllables(stem):
        if word and syllable[0] in "aoe":
            word += "'"
        word += syllable
    return word[:1].upper() + word[1:]


def ethnic_part(rest: str) -> tuple[str, list[str]]:
    """Split 'stem + ethnic groups' into the stem and the groups' English names (in order)."""
    groups: list[str] = []
    names = sorted(ETHNIC_GROUPS, key=len, reverse=True)
    while rest:
        for name in names:
            if rest.endswith(name + "族"):
                rest = rest[: -len(name) - 1]
                break
            if len(name) > 1 and rest.endswith(name) and name not in ("各",):
                rest = rest[: -len(name)]
                break
        else:
            break
        groups.insert(0, ETHNIC_GROUPS[name])
    return rest, groups


def listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def english(row: Row, siblings_zh: set[str]) -> str:
    if row.code in ENGLISH:
        return ENGLISH[row.code]
    name = row.name_zh
    suffix, word = next(((s, w) for s, w in TYPE_WORDS if name.endswith(s) and len(name) > len(s)), ("", ""))
    if not suffix:
        raise SystemExit(f"{row.code} {name}: no type word")
    stem = name[: -len(suffix)]
    if row.level == "prefecture" and suffix == "市":
        return romanise(stem)
    if suffix == "区" and stem.endswith("矿") and len(stem) > 1:
        stem, word = stem[:-1], "Mining District"
    groups: list[str] = []
    if suffix.startswith("自治"):
        stem, groups = ethnic_part(stem)
        if not groups:
            raise SystemExit(f"{row.code} {name}: no ethnic group recognised")
    before: list[str] = []
    after: list[str] = []
    if suffix in ("旗", "自治旗") or (suffix == "自治县" and "蒙古" in name):
        stem, after = banner_words(stem)
        for prefix, other, word_en in (("东", "西", "East"), ("西", "东", "West")):
            if stem.startswith(prefix) and len(stem) > 2 and other + name[1:] in siblings_zh:
                stem, before = stem[1:], [word_en]
    return " ".join([*before, *([romanise(stem)] if stem else []), *after, *([listed(groups)] if groups else []),
                     word])


def banner_words(stem: str) -> tuple[str, list[str]]:
    """乌拉特前 → (乌拉特, [Front]); 科尔沁左翼中 → (科尔沁, [Left, Middle])."""
    words: list[str] = []
    while True:
        for chinese, word_en in BANNER_WORDS:
            if stem.endswith(chinese) and len(stem) > len(chinese) + 1:
                stem, words = stem[: -len(chinese)], [word_en, *words]
                break
        else:
            return stem, words


def name_all(rows: list[Row]) -> None:
    children: dict[str | None, list[Row]] = defaultdict(list)
    for row in rows:
        children[row.parent].append(row)
    for row in rows:
        if not row.name_en:
            row.name_en = english(row, {r.name_zh for r in children[row.parent]})
    for siblings in children.values():
        same = Counter(r.name_en for r in siblings)
        for row in siblings:
            if same[row.name_en] > 1:
                row.name_en = f"{row.name_en} ({row.name_zh})"


def dump(rows: list[Row]) -> str:
    def text(value: str | None) -> str:
        return "null" if value is None else json.dumps(value, ensure_ascii=False)

    head = [
        "# China's administrative divisions: the country, 31 province-level divisions, every prefecture-level and",
        "# county-level division, with the National Bureau of Statistics' 2023 codes. Built by",
        "# scripts/build_china_regions.py from the npm package china-division 2.7.0 (see that script for what was",
        "# kept and how the English names were made); format smartgov-regions/1, see docs/regions.md.",
        "format: smartgov-regions/1",
        "tree: CN",
        f"edition: {EDITION}",
        f"valid_from: {VALID_FROM}",
        "name: {zh: 中华人民共和国行政区划, en: Administrative divisions of the People's Republic of China}",
        f"source: {text(SOURCE)}",
        f"licence: {text(LICENCE)}",
        "regions:",
    ]
    lines = [f"  - {{code: {text(r.code)}, parent: {text(r.parent)}, level: {r.level}, "
             f"name: {{zh: {text(r.name_zh)}, en: {text(r.name_en)}}}}}" for r in rows]
    return "\n".join(head + lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="china-division-2.7.0.tgz, or the folder it unpacks to")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()

    load_single_dict({ord(character): reading for character, reading in CHARACTERS.items()})
    load_phrases_dict({k: [[s] for s in v.split()] for k, v in READINGS.items() if len(k) > 1})
    rows = build_rows(read_source(args.source))
    name_all(rows)
    text = dump(rows)

    from assessments.regions_file import read_regions_text  # checks the output as the platform will read it

    document = read_regions_text(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    levels = Counter(r.level for r in document.regions)
    print(f"{args.output.relative_to(ROOT)}: {len(document.regions)} regions: {dict(levels)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
