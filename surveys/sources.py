"""Which satisfaction indicator comes from which source, and the questions a new questionnaire starts with.

Questionnaires feed the indicators of the public-satisfaction dimension that are scores (0–100: PS03 网上政务服务
满意度, PS04 线下政务服务满意度, PS08 公共数据开放利用满意度 in the default framework). The others are shares computed
from imported records, as their definitions say:

- PS01 好差评满意率: ratings 4–5 (满意、非常满意) ÷ all imported ratings.
- PS02 差评整改率: bad ratings (1–2) marked rectified ÷ bad ratings with a rectified yes/no (a blank means an
  anonymous rating that cannot be followed up, which the definition leaves out).
- PS05 12345热线满意率: satisfied ÷ requesters who answered the follow-up (“rated”).
- PS06 12345热线工单按时办结率: closed on time ÷ work orders.
- PS07 12345热线诉求未解决率 (lower is better): (rated − reported resolved) ÷ rated.

Those are the definitions of the default framework's version 1 (and of any other framework that uses these codes).
Version 2 redefines the dimension (docs/framework-v2-notes.md): PS01 差评率, PS07 解决率 and PS09 主动评价率 are
computed from the systems' own records (`surveys.records`), PS02, PS05 and PS10 are third-party samples the
province commissions, and only PS03 and PS04 are scores a questionnaire may feed. So in a cycle of version 2 the
imported ratings and monthly hotline figures feed nothing (`feeds_from_imports`).
"""

from indicators.models import Framework
from indicators.selectors import DEFAULT_FRAMEWORK_CODE

DIMENSION = "PS"
RATINGS_SATISFIED = "PS01"
RATINGS_RECTIFIED = "PS02"
HOTLINE_SATISFIED = "PS05"
HOTLINE_ON_TIME = "PS06"
HOTLINE_UNRESOLVED = "PS07"
RATINGS_INDICATORS = (RATINGS_SATISFIED, RATINGS_RECTIFIED)
HOTLINE_INDICATORS = (HOTLINE_SATISFIED, HOTLINE_ON_TIME, HOTLINE_UNRESOLVED)
RECORD_INDICATORS = RATINGS_INDICATORS + HOTLINE_INDICATORS
RECORDS_SINCE_VERSION = 2
"""The version of the default framework from which its record indicators are computed by `surveys.records`."""
NOT_FROM_QUESTIONS_V2 = ("PS01", "PS02", "PS05", "PS07", "PS09", "PS10")


def feeds_from_imports(framework: Framework) -> bool:
    """Whether the imported ratings and monthly hotline figures feed the framework's PS01, PS02, PS05–PS07 as
    version 1 defines them (not in the default framework from `RECORDS_SINCE_VERSION` on)."""
    return framework.code != DEFAULT_FRAMEWORK_CODE or framework.version < RECORDS_SINCE_VERSION


def not_from_questions(framework: Framework) -> tuple[str, ...]:
    """The satisfaction indicators of `framework` that no questionnaire may feed."""
    return RECORD_INDICATORS if feeds_from_imports(framework) else NOT_FROM_QUESTIONS_V2

DEFAULT_SCALE_QUESTIONS = {
    "PS03": ("总体而言，您对本市网上政务服务（政务服务网、手机App或小程序）的易用性、办事效率和办理结果满意吗？",
             "Overall, how satisfied are you with the city's online government services (portal, mobile app or "
             "mini-program): ease of use, speed and outcome?"),
    "PS04": ("总体而言，您对本市政务服务中心（大厅、窗口）的等候时间、窗口服务和“一次办成”情况满意吗？",
             "Overall, how satisfied are you with the city's government service centres: waiting time, counter "
             "service and getting things done in one visit?"),
    "PS08": ("您对本市公共数据开放平台的数据可获得性、质量、更新及时性和需求响应满意吗？",
             "How satisfied are you with the city's open public data portal: availability and quality of the data, "
             "timely updates and response to requests?"),
}
DEFAULT_CHOICE_QUESTIONS = [
    ("您的年龄段", "Your age band",
     [("18–29岁", "18–29"), ("30–39岁", "30–39"), ("40–49岁", "40–49"), ("50–59岁", "50–59"),
      ("60岁及以上", "60 and over")]),
    ("您最常使用的办事渠道", "The channel you use most",
     [("政务服务网站", "Government service portal"), ("手机App或小程序", "Mobile app or mini-program"),
      ("政务服务中心窗口", "Service centre counter"), ("自助服务终端", "Self-service kiosk"),
      ("12345热线", "12345 hotline")]),
    ("您以什么身份办事", "You deal with the government as",
     [("个人", "An individual"), ("企业或个体工商户", "A business or self-employed")]),
]
DEFAULT_TITLE = ("{period}年{region}政务服务公众满意度调查", "{region} public satisfaction survey {period}")
DEFAULT_INTRO = (
    "本问卷匿名填写，约需2分钟。我们不收集您的姓名、电话等个人信息，结果仅用于统计，帮助改进政务服务。",
    "This questionnaire is anonymous and takes about 2 minutes. We do not collect your name, telephone number or "
    "any other personal data; the answers are used only for statistics, to improve government services.",
)
