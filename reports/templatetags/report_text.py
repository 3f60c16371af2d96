"""Running text of the dashboards and PDF reports, as each language writes it (`reports.text`).

A paragraph is made of several translated sentences; the template's line breaks between them would print as
spaces, which Chinese does not put between sentences. `{% sentences %}` joins them as the active language does;
`names` lists names; `chapter` numbers a chapter ("一、" or "1 "); `indicator_value`, `percent` and `signed` print
numbers.
"""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.text import chinese, joined

register = template.Library()
CHINESE_NUMERALS = "〇一二三四五六七八九十"


class SentencesNode(template.Node):
    def __init__(self, nodelist: template.NodeList):
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        return mark_safe(joined(self.nodelist.render(context)))  # noqa: S308 - rendered (escaped) by the template


@register.tag
def sentences(parser: template.base.Parser, token: template.base.Token) -> SentencesNode:
    """`{% sentences %}…{% endsentences %}`: the sentences inside, joined as the active language joins them."""
    nodelist = parser.parse(("endsentences",))
    parser.delete_first_token()
    return SentencesNode(nodelist)


@register.filter
def names(items: object) -> str:
    """Names (or objects with a `name`) listed as the language lists them: "杭州市、宁波市", "Hangzhou, Ningbo"."""
    listed = [str(getattr(item, "name", item)) for item in items or ()]  # type: ignore[attr-defined]
    return ("、" if chinese() else ", ").join(listed)


@register.simple_tag
def chapter(number: int) -> str:
    """A chapter's number before its title: "一、" in Chinese (up to 十), "1 " in English."""
    if chinese() and 0 < number <= 10:
        return f"{CHINESE_NUMERALS[number]}、"
    return f"{number} "


@register.filter
def indicator_value(row: object) -> str:
    """A reported value as print shows it: yes or no for a yes/no indicator, else the number (up to two
    decimals) and its unit, as the language writes it — "77.7%", "3.7个工作日"; "77.7 %", "3.7 working days";
    "—" when missing."""
    value = getattr(row, "value", None)
    if value is None:
        return "—"
    if getattr(row, "data_type", "") == "boolean":
        return _("Yes") if value else _("No")
    number = floatformat(value, "-2")
    unit = str(getattr(row, "unit", "") or "")
    if not unit:
        return conditional_escape(number)
    return conditional_escape(f"{number}{'' if chinese() else ' '}{unit}")


@register.filter
def percent(value: object, digits: int = 1) -> str:
    """A number of per cent with `digits` decimals: "25.0%" in Chinese, "25.0 %" in English; "—" for None."""
    if value is None:
        return "—"
    return f"{floatformat(value, digits)}{'' if chinese() else ' '}%"


@register.filter
def signed(value: object, digits: int = 1) -> str:
    """A change with its sign: "+3.2", "-1.0", "0.0"; "—" for None."""
    if value is None:
        return "—"
    text = floatformat(value, digits)
    return f"+{text}" if isinstance(value, int | float) and value > 0 and not text.startswith("+") else text
