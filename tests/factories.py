"""Test data: factories, the standard region tree, a small cast of named users, filled and scored cycles.

Tests build what they need from here (never from another test module or from a conftest). The cast follows
Zulip's `example_user`: a few people with fixed names and roles, created the first time a test asks for one.
"""

import datetime
import io

import factory
import numpy as np
from django.contrib.auth import get_user_model
from django.utils import timezone
from openpyxl import Workbook

from assessments.models import Cycle, IndicatorValue, Publication, Region, RoleAssignment, Submission
from assessments.services import cycle_scores_compute, cycle_scores_request
from surveys.models import Answer, Question, Questionnaire, SurveyResponse
from surveys.services import questionnaire_create, questionnaire_status_set

Role = RoleAssignment.Role
PASSWORD = "pw-for-tests-123"
TEST_IP = "203.0.113.77"
RATING_HEADER = ["服务事项", "渠道", "日期", "评分", "评价内容", "是否整改"]
HOTLINE_HEADER = ["月份", "工单数", "按时办结数", "已解决数", "满意数", "参评数"]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{510100 + n * 100}")
    name_zh = factory.Sequence(lambda n: f"测试市{n}")
    name_en = factory.Sequence(lambda n: f"Test City {n}")
    level = Region.Level.PREFECTURE


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment
        django_get_or_create = ("user", "role", "region")

    user = factory.SubFactory(UserFactory)
    role = Role.CITY_OFFICER
    region = None


class CycleFactory(factory.django.DjangoModelFactory):
    """An open cycle of `framework` (required: the default framework comes from the `framework` fixture)."""

    class Meta:
        model = Cycle

    period = 2026
    opens = factory.LazyAttribute(lambda cycle: datetime.date(cycle.period, 9, 1))
    closes = factory.LazyAttribute(lambda cycle: datetime.date(cycle.period, 12, 31))
    status = Cycle.Status.OPEN


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission

    status = Submission.Status.DRAFT


def in_province(region: Region) -> Region:
    """The region with its province-level division set, as the register sets it."""
    province = region if region.level == Region.Level.PROVINCE else getattr(region.parent, "province", None)
    if province is not None and region.province_id != province.pk:
        region.province = province
        region.save(update_fields=["province"])
    return region


def region_tree() -> dict[str, Region]:
    """China, 浙江 and 江苏, and three of their cities (created once, then found again)."""
    china = RegionFactory(code="CHN", name_zh="中国", name_en="China", level=Region.Level.COUNTRY, parent=None)
    zhejiang = in_province(RegionFactory(code="330000", name_zh="浙江省", name_en="Zhejiang",
                                         level=Region.Level.PROVINCE, parent=china))
    jiangsu = in_province(RegionFactory(code="320000", name_zh="江苏省", name_en="Jiangsu",
                                        level=Region.Level.PROVINCE, parent=china))
    return {
        "china": china, "zhejiang": zhejiang, "jiangsu": jiangsu,
        "hangzhou": in_province(RegionFactory(code="330100", name_zh="杭州市", name_en="Hangzhou", parent=zhejiang)),
        "ningbo": in_province(RegionFactory(code="330200", name_zh="宁波市", name_en="Ningbo", parent=zhejiang)),
        "nanjing": in_province(RegionFactory(code="320100", name_zh="南京市", name_en="Nanjing", parent=jiangsu)),
    }


CAST = {
    "officer": (Role.CITY_OFFICER, "hangzhou", {}),
    "reviewer": (Role.CITY_REVIEWER, "hangzhou", {}),
    "analyst": (Role.PROVINCE_ANALYST, "zhejiang", {}),
    "ningbo_officer": (Role.CITY_OFFICER, "ningbo", {}),
    "ningbo_reviewer": (Role.CITY_REVIEWER, "ningbo", {}),
    "jiangsu_analyst": (Role.PROVINCE_ANALYST, "jiangsu", {}),
    "admin": (Role.PLATFORM_ADMIN, None, {"is_staff": True, "is_superuser": True}),
}
"""name → (role, region key in `region_tree()`, extra user fields). Everyone has an e-mail address."""


def example_user(name: str):
    """The cast member `name` with their role (created on first use, found again after)."""
    role, region_key, fields = CAST[name]
    region = region_tree()[region_key] if region_key else None
    user = UserFactory(username=name, email=f"{name}@example.gov.cn", **fields)
    RoleAssignmentFactory(user=user, role=role, region=region)
    return user


def user_with_role(username: str, role: str, region: Region | None = None, **fields):
    """A user outside the cast, holding one role."""
    user = UserFactory(username=username, **fields)
    RoleAssignmentFactory(user=user, role=role, region=region)
    return user


def many_cities(count: int, province: Region) -> list[Region]:
    return [in_province(RegionFactory(code=f"{province.code[:2]}{i + 1:02d}00", name_zh=f"测试市{i}",
                                      name_en=f"City {i}", parent=province)) for i in range(count)]


def plausible_values(framework, cities, period, *, seed=1):
    """Generated values of `cities` (as the demo makes them), shape (cities, indicators), and the indicators."""
    from assessments.demo import generate_values

    indicators = list(framework.indicators.select_related("dimension").order_by("dimension__order", "order"))
    values = generate_values([c.code for c in cities], {c.code: c.province.code for c in cities}, indicators,
                             [period], seed=seed)[0]
    return values, indicators


def fill(submission: Submission, *, seed=1) -> Submission:
    """Every indicator of the submission given a generated value (written directly, not through a service)."""
    values, indicators = plausible_values(submission.cycle.framework, [submission.region], submission.cycle.period,
                                          seed=seed)
    IndicatorValue.objects.bulk_create(IndicatorValue(submission=submission, indicator=i, value=float(values[0, j]))
                                       for j, i in enumerate(indicators))
    return submission


def approved_cycle(framework, cities, period, *, seed=1) -> Cycle:
    """A closed cycle in which every city's submission is approved, with generated values."""
    cycle = CycleFactory(framework=framework, period=period, closes=datetime.date(period, 11, 30),
                         status=Cycle.Status.CLOSED)
    values, indicators = plausible_values(framework, cities, period, seed=seed)
    submissions = Submission.objects.bulk_create(
        Submission(region=city, cycle=cycle, status=Submission.Status.APPROVED) for city in cities)
    IndicatorValue.objects.bulk_create(
        IndicatorValue(submission=s, indicator=indicator, value=float(values[c, j]))
        for c, s in enumerate(submissions) for j, indicator in enumerate(indicators))
    return cycle


def score(cycle: Cycle):
    """Compute the cycle's scores now, in this process; returns the run (which must have succeeded)."""
    run = cycle_scores_compute(run_id=cycle_scores_request(cycle=cycle, enqueue=False).pk)
    assert run.status == "succeeded", run.error
    cycle.refresh_from_db()
    return run


def scored_cycle(framework, cities, period, *, seed=1) -> Cycle:
    """An approved cycle of `cities`, scored."""
    cycle = approved_cycle(framework, cities, period, seed=seed)
    score(cycle)
    return cycle


def submission_of(cycle: Cycle, code: str) -> Submission:
    return Submission.objects.get(cycle=cycle, region__code=code)


# Citizens' satisfaction ----------------------------------------------------------------------------------------


def open_now(cycle):
    """The cycle assesses the current year and is open for entry today, whatever today is."""
    today = timezone.localdate()
    Cycle.objects.filter(pk=cycle.pk).update(period=today.year, opens=today - datetime.timedelta(days=30),
                                             closes=today + datetime.timedelta(days=30))
    cycle.refresh_from_db()
    return cycle


def questionnaire(cycle, region, actor, *, publish=True) -> Questionnaire:
    made = questionnaire_create(cycle=cycle, region=region, actor=actor)
    if publish:
        made = questionnaire_status_set(questionnaire=made, action="publish", actor=actor)
    return made


def scale_questions(q):
    return list(q.questions.filter(kind=Question.Kind.SCALE).select_related("indicator"))


def choice_question(q, text="您的年龄段"):
    return q.questions.get(kind=Question.Kind.CHOICE, text_zh=text)


def generated_answers(count, *, seed=7, indicators=("PS03", "PS04", "PS08"), groups=5):
    """`count` respondents: an age band each (1…groups, skewed young, a few missing) and 1–5 answers to each
    indicator's question, whose level depends on the age band; some questions skipped."""
    rng = np.random.default_rng(seed)
    band = rng.choice(np.arange(1, groups + 1), size=count, p=np.array([0.35, 0.3, 0.2, 0.1, 0.05])[:groups]
                      / np.array([0.35, 0.3, 0.2, 0.1, 0.05])[:groups].sum())
    band = np.where(rng.random(count) < 0.02, 0, band)  # 0: did not say
    answers = {}
    for k, code in enumerate(indicators):
        level = 2.2 + 0.45 * np.where(band == 0, 3, band) + 0.2 * k + rng.normal(0, 1.0, count)
        values = np.clip(np.rint(level), 1, 5).astype(int)
        skipped = rng.random(count) < 0.1 + 0.05 * k
        answers[code] = np.where(skipped, 0, values)  # 0: not answered
    return band, answers


def store_responses(q, region, band, answers, *, start=None):
    """Write generated respondents as responses of `q` (bulk, fast)."""
    start = start or timezone.now() - datetime.timedelta(days=20)
    count = len(band)
    by_code = {question.indicator.code: question for question in scale_questions(q)}
    age = choice_question(q)
    responses = SurveyResponse.objects.bulk_create(
        SurveyResponse(questionnaire=q, region=region, client_hash=f"{i:064x}",
                       submitted_at=start + datetime.timedelta(minutes=3 * i)) for i in range(count))
    rows = []
    for i, response in enumerate(responses):
        if band[i]:
            rows.append(Answer(response=response, question=age, value=int(band[i])))
        for code, values in answers.items():
            if values[i]:
                rows.append(Answer(response=response, question=by_code[code], value=int(values[i])))
    Answer.objects.bulk_create(rows, batch_size=5000)
    return responses


def table_days(count):
    """`count` dates from 1 January of this year up to today."""
    today = timezone.localdate()
    first = today.replace(month=1, day=1)
    span = (today - first).days + 1
    return [first + datetime.timedelta(days=i % span) for i in range(count)]


def rating_rows(count):
    return [[f"事项{i % 7}", "线上" if i % 3 else "窗口", day.isoformat(), str(1 + i % 5),
             "很好" if i % 10 == 0 else "", ("是" if i % 2 else "否") if 1 + i % 5 <= 2 else ""]
            for i, day in enumerate(table_days(count))]


def table_csv(rows, header=RATING_HEADER, encoding="utf-8-sig", delimiter=","):
    lines = [delimiter.join(header)] + [delimiter.join(str(c) for c in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def table_xlsx(rows, header=HOTLINE_HEADER):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def table_months():
    today = timezone.localdate()
    return [datetime.date(today.year, m, 1) for m in range(1, today.month + 1)]


def hotline_rows():
    return [[month, 1000 + m, 950 + m, 700, 800, 900] for m, month in enumerate(table_months())]


def published(cycle: Cycle, *, reason: str = "") -> Publication:
    """The cycle's latest run published as its next version, written directly (not through the service)."""
    run = cycle.current_run
    assert run is not None, "score the cycle first"
    version = cycle.publications.count() + 1
    publication = Publication.objects.create(
        cycle=cycle, version=version, run=run, reason=reason or ("" if version == 1 else "revision"),
        participants=cycle.submissions.count(),
        approved=cycle.submissions.filter(status=Submission.Status.APPROVED).count(), method=run.method or {},
        inputs_fingerprint=run.inputs_fingerprint, engine_version=run.engine_version)
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.PUBLISHED)
    cycle.refresh_from_db()
    return publication
